/**
 * Reads a snapshot's table objects back and compares their rows with what the database held when
 * the snapshot was taken: a snapshot is only worth keeping if every row is in it exactly.
 */
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { parseManifest } from '../../../lambda/snapshot/manifest';
import type { LocalS3 } from '../../../local/s3/local-s3';
import { tableRowObjects } from '../../snapshot/support/row-objects';
import { readTableObject } from '../../snapshot/support/table-object';
import type { DatabaseState } from './database-state';

const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?([+-]\d{2}(:\d{2})?|Z)$/;

/**
 * A row in a form both renderings agree on: keys sorted, timestamps as UTC ISO instants (the snapshot
 * renders them in UTC, `to_jsonb` in the session's time zone).
 */
function canonicalRow(json: string): string {
  const row = JSON.parse(json) as Record<string, unknown>;
  const canonical = Object.keys(row)
    .sort()
    .map((k) => {
      const v = row[k];
      return [k, typeof v === 'string' && ISO_TIMESTAMP.test(v) ? new Date(v).toISOString() : v];
    });
  return JSON.stringify(canonical);
}

export interface SnapshotComparison {
  readonly rowsChecked: number;
  /** Rows of the database missing from the snapshot (or different in it). */
  readonly rowsLost: number;
  readonly problems: string[];
}

/**
 * Compares the snapshot whose manifest is at `manifestUri` (`s3://bucket/key`) with `expected`, the
 * state of the database's tables when it was taken (captured without volatile columns). Record lines are
 * read back by PostgreSQL on `databaseUrl` as rows of the manifest's column types (`tableRowObjects`).
 */
export async function compareSnapshotWith(local: LocalS3, manifestUri: string, expected: DatabaseState, databaseUrl: string): Promise<SnapshotComparison> {
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(manifestUri);
  if (!match) throw new Error(`not an s3:// URI: ${manifestUri}`);
  const [, bucket, manifestKey] = match as unknown as [string, string, string];
  const s3 = local.client();
  const read = async (key: string) =>
    Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToByteArray());
  try {
    const manifest = parseManifest((await read(manifestKey)).toString('utf8'), manifestUri);
    const problems: string[] = [];
    let rowsChecked = 0;
    let rowsLost = 0;
    for (const [name, rows] of expected.tables) {
      const entry = manifest.tables.find((t) => `${t.schema}.${t.table}` === name);
      rowsChecked += rows.length;
      if (!entry) {
        rowsLost += rows.length;
        problems.push(`${manifestUri}: table ${name} is not in the snapshot`);
        continue;
      }
      const counts = new Map<string, number>();
      for (const row of await tableRowObjects(databaseUrl, entry, await readTableObject(s3, bucket, entry.key))) {
        const key = canonicalRow(JSON.stringify(row));
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
      let lost = 0;
      for (const row of rows) {
        const key = canonicalRow(row);
        const n = counts.get(key) ?? 0;
        if (n === 0) lost++;
        else counts.set(key, n - 1);
      }
      const extra = [...counts.values()].reduce((a, b) => a + b, 0);
      rowsLost += lost;
      if (lost > 0 || extra > 0) problems.push(`${name}: ${lost} row(s) of the database missing from the snapshot, ${extra} extra`);
    }
    return { rowsChecked, rowsLost, problems };
  } finally {
    s3.destroy();
  }
}
