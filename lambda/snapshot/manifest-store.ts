import { GetObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { manifestKey } from './keys';
import { ManifestError, parseManifest, serializeManifest, type SnapshotManifest } from './manifest';
import { isMissingObject, s3Url, type SnapshotLocation } from './snapshot-location';
import { assertSnapshotId } from './snapshot-id';

/** There is no manifest for this snapshot: it never existed, or it failed or is still being written. */
export class SnapshotNotFoundError extends Error {
  override readonly name = 'SnapshotNotFoundError';
  constructor(
    readonly snapshotId: string,
    readonly url: string,
  ) {
    super(`Snapshot ${snapshotId} not found: no manifest at ${url} (the snapshot does not exist or did not complete)`);
  }
}

/**
 * Reads and validates the manifest of `snapshotId`.
 * @throws {SnapshotNotFoundError} when there is no manifest
 * @throws {ManifestError} when it is malformed or belongs to another database or snapshot
 * @throws {Error} on a malformed snapshot id, or S3's error
 */
export async function readManifest(location: SnapshotLocation & { readonly snapshotId: string }): Promise<SnapshotManifest> {
  assertSnapshotId(location.snapshotId);
  const key = manifestKey(location, location.snapshotId);
  const url = s3Url(location.bucket, key);
  let text: string;
  try {
    const object = await location.s3.send(new GetObjectCommand({ Bucket: location.bucket, Key: key }));
    text = (await object.Body?.transformToString('utf-8')) ?? '';
  } catch (error) {
    if (isMissingObject(error)) throw new SnapshotNotFoundError(location.snapshotId, url);
    throw error;
  }
  const manifest = parseManifest(text, url);
  if (manifest.snapshotId !== location.snapshotId || manifest.database !== location.database) {
    throw new ManifestError(url, `it describes snapshot ${manifest.snapshotId} of database "${manifest.database}"`);
  }
  return manifest;
}

/** True when `snapshotId` already has a manifest. */
export async function manifestExists(location: SnapshotLocation, snapshotId: string): Promise<boolean> {
  try {
    await location.s3.send(new HeadObjectCommand({ Bucket: location.bucket, Key: manifestKey(location, snapshotId) }));
    return true;
  } catch (error) {
    if (isMissingObject(error)) return false;
    throw error;
  }
}

/**
 * Writes the manifest, which makes the snapshot complete: call it only after every table object was
 * uploaded. Sent with `If-None-Match: *` so that S3 refuses to replace an existing manifest
 * (S3 conditional writes); stores that ignore the header simply overwrite.
 * @returns the manifest's key
 */
export async function writeManifest(location: SnapshotLocation, manifest: SnapshotManifest): Promise<string> {
  const key = manifestKey(location, manifest.snapshotId);
  await location.s3.send(
    new PutObjectCommand({
      Bucket: location.bucket,
      Key: key,
      Body: serializeManifest(manifest),
      ContentType: 'application/json',
      IfNoneMatch: '*',
    }),
  );
  return key;
}
