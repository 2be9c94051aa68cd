/**
 * Benchmark of issue #4: the snapshot of a table bloated by a full-table UPDATE (every live row in the
 * second half of the heap, the first half dead tuples), in physical order against key order, over the pg
 * driver and over the local Data API.
 *
 *   npx tsx bench/snapshot-bloated.ts [rows] [--vacuum]     (default 24,000 rows: about 9,600 blocks)
 *   DATABASE_URL=postgres://user@host:port/db npx tsx bench/snapshot-bloated.ts
 *
 * On the server of DATABASE_URL (default `postgres://postgres@127.0.0.1:5432/postgres`) it creates its own
 * database and an `essays` table (id, title, a 1.5 KB body, score; autovacuum off for it), `UPDATE`s every
 * row once and runs `ANALYZE` (and `VACUUM` with `--vacuum`: the dead tuples go, the live rows stay at the
 * end). Then for each driver (pg; DataApiDriver → the real SDK client → the local Data API in a process
 * of its own) and each order (physical, key) it takes a snapshot into the local S3 (parallelism 3, the
 * default paging) and prints its wall time and page statements; then, once per order over pg, the same
 * snapshot with every page statement also run under `EXPLAIN (ANALYZE, VERBOSE)` (a separate pass, as it
 * doubles the work) to count the rows PostgreSQL rendered (as record or JSON lines) and the rows its scans read, per row
 * exported. Exits 1 when physical order renders more than 1.5 rows per row exported or writes other
 * lines than key order (as a multiset).
 */
import { RDSDataClient } from '@aws-sdk/client-rds-data';
import { createHash } from 'node:crypto';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import os from 'node:os';
import { gunzipSync } from 'node:zlib';
import pg from 'pg';
import { DataApiDriver } from '../lambda/driver/data-api/data-api-driver';
import type { Driver, ExecuteOptions, QueryResult, Row, SqlParams } from '../lambda/driver/driver';
import { PgDriver } from '../lambda/driver/pg/pg-driver';
import { takeSnapshot } from '../lambda/snapshot/take-snapshot';
import { startLocalS3 } from '../local/s3/local-s3';
import { countingRenderedRows } from '../test/snapshot/support/rendered-rows';
import { databaseUrl, recreateDatabase } from './support/bench-database';
import { startDataApiProcess } from './support/data-api-process';

const DATABASE = 'rds_migrate_bench_bloated';
const BUCKET = 'bench';
const MAX_RENDERED_PER_ROW = 1.5;

/** Creates the database and the bloated table; returns its rows, heap blocks and `pg_table_size`. */
async function generate(adminUrl: string, rows: number, vacuum: boolean): Promise<{ rows: number; blocks: number; bytes: number; firstLiveBlock: number }> {
  await recreateDatabase(adminUrl, DATABASE);
  const client = new pg.Client({ connectionString: databaseUrl(adminUrl, DATABASE) });
  await client.connect();
  try {
    await client.query(`CREATE TABLE essays (id int PRIMARY KEY, title text NOT NULL, body text NOT NULL, score numeric) WITH (autovacuum_enabled = off)`);
    await client.query(
      `INSERT INTO essays SELECT g, 'essay ' || g, repeat(md5(g::text) || ' ', 46), g / 7.0 FROM generate_series(1, $1::int) AS g`,
      [rows],
    );
    await client.query('UPDATE essays SET score = score + 1');
    await client.query(vacuum ? 'VACUUM ANALYZE essays' : 'ANALYZE essays');
    const { rows: size } = await client.query(
      `SELECT count(*)::int AS rows, (pg_relation_size('essays') / current_setting('block_size')::int)::int AS blocks,
              pg_table_size('essays')::float8 AS bytes, min((ctid::text::point)[0])::int AS first_live FROM essays`,
    );
    return { rows: size[0].rows, blocks: size[0].blocks, bytes: size[0].bytes, firstLiveBlock: size[0].first_live };
  } finally {
    await client.end();
  }
}

/** A driver that counts the page statements (those rendering a line: `row_to_json`, or `ROW(...)::text` for record lines) run through it. */
function countingPages(driver: Driver): Driver & { pages: number } {
  const counted = Object.create(driver) as Driver & { pages: number };
  counted.pages = 0;
  const wrap = <T extends Driver | Awaited<ReturnType<Driver['beginTransaction']>>>(executor: T): T =>
    Object.assign(Object.create(executor) as T, {
      execute<R extends Row>(sql: string, params?: SqlParams, options?: ExecuteOptions): Promise<QueryResult<R>> {
        if (/row_to_json|convert_to\(ROW\(/.test(sql)) counted.pages += 1;
        return executor.execute<R>(sql, params, options);
      },
    });
  counted.execute = wrap(driver).execute;
  counted.beginTransaction = async () => wrap(await driver.beginTransaction());
  return counted;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const vacuum = args.includes('--vacuum');
  const rowsArg = args.find((a) => !a.startsWith('--'));
  const rows = Number(rowsArg ?? 24_000);
  if (!Number.isInteger(rows) || rows < 1) throw new Error(`rows: ${rowsArg} must be a whole number of at least 1`);
  const adminUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const url = databaseUrl(adminUrl, DATABASE);
  console.log(`${os.cpus().length} cores; load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const table = await generate(adminUrl, rows, vacuum);
  console.log(
    `essays: ${table.rows} rows, ${table.blocks} blocks (${(table.bytes / 1024 / 1024).toFixed(1)} MiB), live rows from block ${table.firstLiveBlock}${vacuum ? ', vacuumed' : ''}`,
  );

  const s3Server = await startLocalS3();
  await s3Server.createBucket(BUCKET);
  const s3 = s3Server.client();
  const dataApi = await startDataApiProcess(url);
  const client = new RDSDataClient({ endpoint: dataApi.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 1 });
  const drivers: Record<'pg' | 'data-api', () => Driver> = {
    pg: () => new PgDriver({ connectionString: url }),
    'data-api': () => new DataApiDriver({ resourceArn: dataApi.resourceArn, secretArn: dataApi.secretArn, database: DATABASE, client }),
  };
  /** SHA-256 of the object's lines sorted: the same for both orders when they hold the same rows. */
  const linesDigest = async (key: string) => {
    const object = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    const lines = gunzipSync(await object.Body!.transformToByteArray()).toString('utf8').split('\n').sort();
    return createHash('sha256').update(lines.join('\n')).digest('hex');
  };
  let failed = false;
  try {
    const digests: Record<string, string> = {};
    for (const via of ['pg', 'data-api'] as const) {
      for (const order of ['physical', 'key'] as const) {
        const driver = countingPages(drivers[via]());
        const started = process.hrtime.bigint();
        const result = await takeSnapshot({ driver, s3, bucket: BUCKET, prefix: `${via}-${order}/`, schemaVersion: null, order });
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        await driver.close();
        const entry = result.manifest.tables[0]!;
        digests[`${via} ${order}`] = await linesDigest(entry.key);
        console.log(
          `${via.padEnd(8)} ${order.padEnd(8)}: ${(ms / 1000).toFixed(2)} s, ${entry.rowCount} rows, ${(entry.bytes / 1024 / 1024).toFixed(1)} MiB of lines, ${driver.pages} page statements (${(driver.pages / (entry.bytes / 1024 / 1024)).toFixed(2)} per MiB)`,
        );
      }
    }
    for (const order of ['physical', 'key'] as const) {
      const driver = countingRenderedRows(drivers.pg());
      const result = await takeSnapshot({ driver, s3, bucket: BUCKET, prefix: `explain-${order}/`, schemaVersion: null, order });
      await driver.close();
      const exported = result.manifest.tables[0]!.rowCount;
      const rendered = driver.pages.reduce((sum, p) => sum + p.rendered, 0);
      const scanned = driver.pages.reduce((sum, p) => sum + p.scanned, 0);
      const worst = Math.max(...driver.pages.map((p) => p.rendered));
      console.log(
        `pg       ${order.padEnd(8)}: rows rendered by PostgreSQL per row exported ${(rendered / exported).toFixed(2)} (${rendered} for ${exported}; at most ${worst} in one page), rows scanned per row exported ${(scanned / exported).toFixed(2)}`,
      );
      if (order === 'physical' && rendered / exported > MAX_RENDERED_PER_ROW) {
        console.log(`FAIL: physical order renders ${(rendered / exported).toFixed(2)} rows per row exported (target at most ${MAX_RENDERED_PER_ROW})`);
        failed = true;
      }
    }
    if (new Set(Object.values(digests)).size !== 1) {
      console.log(`FAIL: the objects hold different lines: ${JSON.stringify(digests)}`);
      failed = true;
    }
  } finally {
    client.destroy();
    s3.destroy();
    await dataApi.stop();
    await s3Server.close();
    await recreateDatabase(adminUrl, DATABASE, true);
  }
  if (failed) process.exit(1);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
