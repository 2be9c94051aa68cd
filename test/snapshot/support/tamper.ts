import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { manifestKey, tableObjectKey } from '../../../lambda/snapshot/keys';
import { manifestLineFormat, serializeManifest, type ManifestTable, type SnapshotManifest } from '../../../lambda/snapshot/manifest';
import type { SnapshotLocation } from '../../../lambda/snapshot/snapshot-location';

/** How a copy of a snapshot is spoiled. */
export interface Tampering {
  /** Changes the copy's manifest (its table keys already point at the copy's objects). */
  readonly manifest?: (manifest: SnapshotManifest) => SnapshotManifest;
  /** Replaces the body of a table's object (by table name). */
  readonly objects?: Record<string, (body: Uint8Array, table: ManifestTable) => Uint8Array>;
  /** Table objects not copied. */
  readonly omit?: string[];
  /** Writes no manifest. */
  readonly noManifest?: boolean;
}

/**
 * Copies a snapshot (objects and manifest) to the snapshot id `copyId` of the same database, spoiled as
 * `tampering` says (its objects under the keys of the manifest's line format), the way a partial upload, a corrupted object or an edited manifest would leave it.
 */
export async function tamperedCopy(location: SnapshotLocation, manifest: SnapshotManifest, copyId: string, tampering: Tampering): Promise<SnapshotManifest> {
  const tables: ManifestTable[] = [];
  for (const table of manifest.tables) {
    const key = tableObjectKey(location, copyId, table, manifestLineFormat(manifest));
    tables.push({ ...table, key });
    if (tampering.omit?.includes(table.table)) continue;
    const object = await location.s3.send(new GetObjectCommand({ Bucket: location.bucket, Key: table.key }));
    let body = await object.Body!.transformToByteArray();
    const spoil = tampering.objects?.[table.table];
    if (spoil) body = spoil(body, table);
    await location.s3.send(new PutObjectCommand({ Bucket: location.bucket, Key: key, Body: body }));
  }
  let copy: SnapshotManifest = { ...manifest, snapshotId: copyId, tables };
  if (tampering.manifest) copy = tampering.manifest(copy);
  const key = manifestKey(location, copyId);
  if (tampering.noManifest) await location.s3.send(new DeleteObjectCommand({ Bucket: location.bucket, Key: key }));
  else await location.s3.send(new PutObjectCommand({ Bucket: location.bucket, Key: key, Body: serializeManifest(copy) }));
  return copy;
}

/** Changes one table's entry of a manifest. */
export function editTable(manifest: SnapshotManifest, table: string, edit: (entry: ManifestTable) => ManifestTable): SnapshotManifest {
  return { ...manifest, tables: manifest.tables.map((t) => (t.table === table ? edit(t) : t)) };
}
