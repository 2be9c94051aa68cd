/**
 * The restore's progress (`onProgress`, for the CLI's bar): after each INSERT batch, the table's rows and
 * bytes loaded so far and the totals of the table and of the whole restore, from the manifest; a row
 * larger than a batch (assembled in the database) counts its bytes too.
 */
import { describe, expect, it } from 'vitest';
import { restoreSnapshot, type RestoreProgress } from '../../lambda/snapshot/restore/restore-snapshot';
import { takeSnapshot } from '../../lambda/snapshot/take-snapshot';
import { useSnapshotStore } from '../support/snapshot-store';
import { NOTES_AND_TAGS_SQL } from './support/notes-and-tags';

const BUCKET = 'restore-progress';
const store = useSnapshotStore({
  database: 'restore_progress',
  bucket: BUCKET,
  sql: `${NOTES_AND_TAGS_SQL}
    -- Two rows larger than a 4 KiB batch: loaded piece by piece.
    INSERT INTO notes VALUES (5001, repeat('x', 20000)), (5002, repeat('é', 9000));`,
});

describe('restoreSnapshot progress', () => {
  it('reports rows and bytes loaded of the manifest totals, per table and for the whole restore', async () => {
    const snapshot = await takeSnapshot({ driver: store.db.driver(), s3: store.s3, bucket: BUCKET, schemaVersion: null });
    const progress: RestoreProgress[] = [];
    await restoreSnapshot({
      driver: store.db.driver(), s3: store.s3, bucket: BUCKET, snapshotId: snapshot.snapshotId, confirm: snapshot.snapshotId, batchBytes: 4096,
      onProgress: (p) => void progress.push(p),
    });
    const manifest = snapshot.manifest.tables;
    const restoreRows = manifest.reduce((sum, t) => sum + t.rowCount, 0);
    const restoreBytes = manifest.reduce((sum, t) => sum + t.bytes, 0);
    expect(restoreRows).toBe(2702);
    for (const table of manifest) {
      const events = progress.filter((p) => p.table === table.table);
      expect(events.length, table.table).toBeGreaterThan(5);
      // Rows and bytes grow batch by batch up to the manifest's counts.
      for (let i = 1; i < events.length; i++) {
        expect(events[i]!.rows).toBeGreaterThan(events[i - 1]!.rows);
        expect(events[i]!.bytes).toBeGreaterThan(events[i - 1]!.bytes);
      }
      expect(events.at(-1)).toMatchObject({
        schema: 'public', rows: table.rowCount, totalRows: table.rowCount, bytes: table.bytes, totalBytes: table.bytes, restoreRows, restoreBytes, tableCount: 2,
      });
    }
    // Parents first.
    expect([...new Set(progress.map((p) => p.table))]).toEqual(['notes', 'tags']);
  });
});
