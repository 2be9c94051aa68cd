import { PutObjectCommand } from '@aws-sdk/client-s3';
import { expect, it } from 'vitest';
import { manifestKey, tableObjectKey } from '../../lambda/snapshot/keys';
import { listSnapshots } from '../../lambda/snapshot/list-snapshots';
import { ManifestError, type SnapshotManifest } from '../../lambda/snapshot/manifest';
import { readManifest, SnapshotNotFoundError, writeManifest } from '../../lambda/snapshot/manifest-store';
import { useSnapshotBucket } from '../support/snapshot-store';

const store = useSnapshotBucket('listing');
const location = () => ({ s3: store.s3, bucket: 'listing', prefix: 'backups/', database: 'app' });

const manifestOf = (snapshotId: string, database = 'app'): SnapshotManifest => ({
  formatVersion: 1, snapshotId, database, createdAt: '2025-01-01T00:00:00.000Z', schemaVersion: null,
  schemas: ['public'], tables: [], totalRows: 0, durationMs: 1,
});

it('lists complete snapshots only, newest first, and reads their manifests', async () => {
  const ids = ['20240101T000000Z-00000001', '20250601T120000Z-0000000a', '20250601T120000Z-0000000b'];
  for (const id of ids) await writeManifest(location(), manifestOf(id));
  // An incomplete snapshot: a table object, no manifest.
  const incomplete = '20260101T000000Z-ffffffff';
  await store.s3.send(new PutObjectCommand({ Bucket: 'listing', Key: tableObjectKey(location(), incomplete, { schema: 'public', table: 't' }), Body: 'x' }));
  // Another database's snapshot and a stray object under the prefix.
  await writeManifest({ ...location(), database: 'app2' }, manifestOf('20270101T000000Z-00000000', 'app2'));
  await store.s3.send(new PutObjectCommand({ Bucket: 'listing', Key: 'backups/app/notes.txt', Body: 'x' }));

  const listed = await listSnapshots(location());
  expect(listed.map((s) => s.snapshotId)).toEqual([ids[2], ids[1], ids[0]]);
  expect(listed[0]!.manifestKey).toBe(manifestKey(location(), ids[2]!));
  expect(listed[0]!.completedAt).toBeInstanceOf(Date);

  expect(await readManifest({ ...location(), snapshotId: ids[0]! })).toEqual(manifestOf(ids[0]!));
  await expect(readManifest({ ...location(), snapshotId: incomplete })).rejects.toBeInstanceOf(SnapshotNotFoundError);
});

it('refuses a manifest that describes another database or snapshot', async () => {
  const id = '20240202T000000Z-00000002';
  await store.s3.send(
    new PutObjectCommand({ Bucket: 'listing', Key: manifestKey(location(), id), Body: JSON.stringify(manifestOf(id, 'other')) }),
  );
  const error = await readManifest({ ...location(), snapshotId: id }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ManifestError);
  expect((error as Error).message).toContain(`s3://listing/backups/app/${id}/manifest.json`);
  expect((error as Error).message).toContain('database "other"');
});

it('pages through the listing', async () => {
  const scope = { s3: store.s3, bucket: 'listing', prefix: 'many/', database: 'app' };
  const ids = Array.from({ length: 7 }, (_, i) => `20240303T000000Z-${i.toString(16).padStart(8, '0')}`);
  for (const id of ids) await writeManifest(scope, manifestOf(id));
  await store.s3.send(new PutObjectCommand({ Bucket: 'listing', Key: tableObjectKey(scope, ids[3]!, { schema: 'public', table: 't' }), Body: 'x' }));
  const listed = await listSnapshots(scope, { keysPerCall: 2 });
  expect(listed.map((s) => s.snapshotId)).toEqual([...ids].reverse());
});
