import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
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
    // Without an unconditioned s3:ListBucket, S3 answers a missing key with 403 rather than 404.
    if (isAccessDenied(error) && !(await manifestExists(location, location.snapshotId))) {
      throw new SnapshotNotFoundError(location.snapshotId, url);
    }
    throw error;
  }
  const manifest = parseManifest(text, url);
  if (manifest.snapshotId !== location.snapshotId || manifest.database !== location.database) {
    throw new ManifestError(url, `it describes snapshot ${manifest.snapshotId} of database "${manifest.database}"`);
  }
  return manifest;
}

function isAccessDenied(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } } | null;
  return e?.name === 'AccessDenied' || e?.$metadata?.httpStatusCode === 403;
}

/**
 * True when `snapshotId` already has a manifest. Asked with ListObjectsV2 on the manifest's own key as
 * the prefix, not HeadObject: the function may list only under its snapshot prefix (an `s3:prefix`
 * condition on s3:ListBucket), and S3 then answers HeadObject on a missing key with 403, not 404
 * (S3 User Guide, "How Amazon S3 authorizes a request for an object operation").
 */
export async function manifestExists(location: SnapshotLocation, snapshotId: string): Promise<boolean> {
  const key = manifestKey(location, snapshotId);
  const listing = await location.s3.send(new ListObjectsV2Command({ Bucket: location.bucket, Prefix: key, MaxKeys: 1 }));
  return (listing.Contents ?? []).some((object) => object.Key === key);
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
