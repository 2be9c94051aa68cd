/**
 * Benchmark: where PostgreSQL's time goes in the restore of `record` lines, and how far that is from
 * COPY. The restore's wall time follows its one backend (`bench:snapshot` prints PostgreSQL's CPU time),
 * so this times, on the same 1-million-row table and the same batches, straight through `pg` (no Data API,
 * no S3, nothing in between), each in a transaction with the restore's settings, rolled back:
 * - the restore's batch statement itself (`recordBatchStatement`: read, insert, prove), and as it runs when
 *   every column's type reads its text back exactly (the bench table's: rows not rendered back), also with
 *   a custom plan for each batch (PostgreSQL's default for bound parameters; the restore asks for generic
 *   plans, `load-settings.ts`), on PostgreSQL 14+ with the lines cut as before 14
 *   (`unnest(string_to_array(...))` rather than `string_to_table`, `recordBatchSource`), and with its
 *   columns read by a cast in FROM rather than field by field (`WIDE_ROW_COLUMNS`);
 * - the same statement, both ways of reading the columns, on a generated table of 40 columns and a fifth of
 *   the rows, where taking the fields one by one costs time in the square of the columns;
 * - its parts alone: reading the lines and inserting the rows (no proof); reading and rendering the rows
 *   back (the proof, no insert); cutting the text into lines; sending the text and nothing else; the
 *   SHA-256 of the text received;
 * - `COPY FROM` of the same rows (psql `\copy`, what pg_restore does).
 *
 *   npm run bench:restore-statement             (= tsx bench/restore-statement.ts)
 *   npx tsx bench/restore-statement.ts [rows]   (default 1,000,000)
 *
 * On the server of DATABASE_URL (default `postgres://postgres@127.0.0.1:5432/postgres`) it creates its
 * own database and table (`snapshot/generate.ts`); needs `psql` for the COPY. Prints wall time and, when
 * the server runs on this machine, the server's CPU time of each. Reports; it has no target of its own.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { Executor } from '../lambda/driver/driver';
import { PgDriver } from '../lambda/driver/pg/pg-driver';
import type { ManifestTable } from '../lambda/snapshot/manifest';
import { recordBatchSource, recordBatchStatement, WIDE_ROW_COLUMNS, type RecordBatch } from '../lambda/snapshot/restore/record-batch';
import { applyLoadSettings } from '../lambda/snapshot/restore/load-settings';
import { databaseUrl, recreateDatabase } from './support/bench-database';
import { postgresCpuReader } from './support/process-cpu';
import { BENCH_TABLE, generateTable } from './snapshot/generate';
import { timeTool } from './snapshot/pg-tools';
import { seconds } from './snapshot/report';

const DATABASE = 'rds_migrate_bench_restore_statement';
/** About the restore's batches: 3.5 MiB of text (`loadTable`'s default `batchBytes`). */
const BATCH_BYTES = 3.5 * 1024 * 1024;
/** The separator byte the restore joins a batch's lines with when the lines do not hold it. */
const SEPARATOR = '\x01';

/** Table `name`'s columns, as the manifest lists them. */
async function tableOf(client: pg.Client, name: string): Promise<ManifestTable> {
  const { rows } = await client.query(
    `SELECT attname AS name, format_type(atttypid, atttypmod) AS type FROM pg_attribute
      WHERE attrelid = '${name}'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum`,
  );
  return { schema: 'public', table: name, kind: 'table', columns: rows, keyColumns: ['id'] } as unknown as ManifestTable;
}

/** A table of {@link WIDE_COLUMNS} columns (a bigint key, then text, numeric, timestamptz and int in turn), `rows` rows. */
const WIDE_TABLE = 'bench_wide_rows';
const WIDE_COLUMNS = 40;
async function generateWideTable(client: pg.Client, rows: number): Promise<void> {
  const columns = Array.from({ length: WIDE_COLUMNS - 1 }, (_, i) => [
    { name: `t${i}`, type: 'text', value: `'text ' || g || ' ${i}'` },
    { name: `n${i}`, type: 'numeric(12,2)', value: `(g * 1.5 + ${i})::numeric(12,2)` },
    { name: `d${i}`, type: 'timestamptz', value: `TIMESTAMPTZ '2020-01-01 00:00:00+00' + g * interval '1 second'` },
    { name: `i${i}`, type: 'integer', value: `g % 1000 + ${i}` },
  ][i % 4]!);
  await client.query(`CREATE TABLE ${WIDE_TABLE} (id bigint PRIMARY KEY, ${columns.map((c) => `${c.name} ${c.type}`).join(', ')})`);
  await client.query(`INSERT INTO ${WIDE_TABLE} SELECT g, ${columns.map((c) => c.value).join(', ')} FROM generate_series(1, ${rows}) AS g`);
}

/** The table's rows as record lines (the snapshot's), joined into batches of about {@link BATCH_BYTES}. */
async function batchesOf(client: pg.Client, table: ManifestTable): Promise<{ batches: string[]; bytes: number }> {
  const row = `ROW(${table.columns.map((c) => `t."${c.name}"`).join(', ')})::text`;
  const { rows } = await client.query({ text: `SELECT ${row} AS l FROM ${table.table} AS t ORDER BY id`, rowMode: 'array' });
  const batches: string[] = [];
  let lines: string[] = [];
  let size = 0;
  let bytes = 0;
  for (const [line] of rows as [string][]) {
    if (line.includes(SEPARATOR)) throw new Error('a line holds the separator byte');
    if (size + line.length + 1 > BATCH_BYTES && lines.length > 0) {
      batches.push(lines.join(SEPARATOR));
      lines = [];
      size = 0;
    }
    lines.push(line);
    size += line.length + 1;
    bytes += Buffer.byteLength(line) + 1;
  }
  if (lines.length > 0) batches.push(lines.join(SEPARATOR));
  return { batches, bytes };
}

async function main(): Promise<void> {
  const rowCount = Number(process.argv[2] ?? 1_000_000);
  if (!Number.isInteger(rowCount) || rowCount < 1) throw new Error(`rows: ${process.argv[2]} must be a whole number of at least 1`);
  const adminUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const url = databaseUrl(adminUrl, DATABASE);
  await recreateDatabase(adminUrl, DATABASE);
  const work = await mkdtemp(path.join(os.tmpdir(), 'rds-migrate-bench-restore-statement-'));
  const driver = new PgDriver({ connectionString: url });
  const client = new pg.Client({ connectionString: url });
  try {
    await generateTable(url, rowCount);
    await client.connect();
    const table = await tableOf(client, BENCH_TABLE);
    const { batches, bytes } = await batchesOf(client, table);
    console.log(`PostgreSQL at ${new URL(adminUrl).host}; ${rowCount} rows, ${(bytes / 1024 / 1024).toFixed(1)} MiB of record lines in ${batches.length} batches; load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    const serverCpu = await postgresCpuReader(adminUrl);

    const results: { what: string; ms: number; cpuMs: number }[] = [];
    const measure = async (what: string, run: () => Promise<void>) => {
      const cpuBefore = serverCpu ? await serverCpu() : Number.NaN;
      const started = performance.now();
      await run();
      const ms = performance.now() - started;
      results.push({ what, ms, cpuMs: serverCpu ? (await serverCpu()) - cpuBefore : Number.NaN });
    };
    /**
     * Runs `sql` once per batch of `loaded` in one transaction with the restore's settings (`load-settings.ts`),
     * its table emptied first, then rolls back. A batch statement answering its count (`RecordBatch`) is given
     * each batch's SHA-256, and must store every row.
     */
    const batchRunner = (loaded: { table: string; batches: string[]; rows: number }) => {
      const sha256s = loaded.batches.map((rows) => createHash('sha256').update(rows).digest('hex'));
      return (statement: string | RecordBatch, truncate: boolean, customPlans = false) => async () => {
        const { sql, answers } = typeof statement === 'string' ? { sql: statement, answers: 'answer' } : statement;
        let stored = 0;
        const tx = await driver.beginTransaction();
        try {
          await applyLoadSettings(tx, 10_000);
          // PostgreSQL's default: each statement planned for the values bound (what the restore did before `load-settings.ts`).
          if (customPlans) await tx.execute(`SELECT set_config('plan_cache_mode', 'auto', true) AS plan_cache_mode`);
          if (truncate) await tx.execute(`TRUNCATE ${loaded.table}`);
          for (const [i, rows] of loaded.batches.entries()) {
            const params: Record<string, string> = answers === 'count' ? { rows, separator: SEPARATOR, sha256: sha256s[i]! } : { rows, separator: SEPARATOR };
            stored += (await (tx as Executor).execute(sql, params)).rowsAffected;
          }
        } finally {
          await tx.rollback();
        }
        if (answers === 'count' && stored !== loaded.rows) throw new Error(`the batch statement stored ${stored} rows where ${loaded.rows} were sent`);
      };
    };
    const perBatch = batchRunner({ table: BENCH_TABLE, batches, rows: rowCount });
    // The restore's own source of lines for this server (`string_to_table` from PostgreSQL 14), and the one before.
    const serverVersion = Number((await client.query(`SELECT current_setting('server_version_num')::int AS v`)).rows[0].v);
    const LINES = recordBatchSource(serverVersion);
    const ARRAY_LINES = recordBatchSource(0);
    const read = `SELECT s.l, s.l::${BENCH_TABLE} AS r FROM ${LINES.lines} AS s (l) OFFSET 0`;
    await measure('the restore statement (read, insert, prove)', perBatch(recordBatchStatement(table, LINES), true));
    await measure('the same, types exact (rows not rendered)', perBatch(recordBatchStatement(table, LINES, { renderRows: false }), true));
    await measure('the same, planned for each batch\'s values', perBatch(recordBatchStatement(table, LINES, { renderRows: false }), true, true));
    if (ARRAY_LINES.lines !== LINES.lines) {
      await measure('the same, lines from unnest(string_to_array())', perBatch(recordBatchStatement(table, ARRAY_LINES, { renderRows: false }), true));
    }
    await measure(`the same, columns read by a cast in FROM (the form from ${WIDE_ROW_COLUMNS} columns)`, perBatch(recordBatchStatement(table, LINES, { renderRows: false, readColumns: 'cast' }), true));
    // A wide table: taking its fields one by one from each row costs time in the square of its columns.
    const wideRows = Math.max(1, Math.round(rowCount / 5));
    await generateWideTable(client, wideRows);
    const wide = await tableOf(client, WIDE_TABLE);
    const perWideBatch = batchRunner({ table: WIDE_TABLE, batches: (await batchesOf(client, wide)).batches, rows: wideRows });
    const wideWhat = `${WIDE_COLUMNS} columns, ${wideRows} rows, types exact`;
    await measure(`${wideWhat}: columns read field by field`, perWideBatch(recordBatchStatement(wide, LINES, { renderRows: false, readColumns: 'fields' }), true));
    await measure(`${wideWhat}: columns read by a cast in FROM`, perWideBatch(recordBatchStatement(wide, LINES, { renderRows: false, readColumns: 'cast' }), true));
    await measure('read and insert, no proof', perBatch(`INSERT INTO ${BENCH_TABLE} SELECT (q.r).* FROM (${read}) AS q`, true));
    await measure('read and render back (the proof), no insert', perBatch(`SELECT count(*) FILTER (WHERE q.r::text IS DISTINCT FROM q.l) AS differ FROM (${read}) AS q`, false));
    await measure('cut the lines', perBatch(`SELECT count(*) FILTER (WHERE octet_length(s.l) > 0) AS lines FROM ${LINES.lines} AS s (l)`, false));
    await measure('send the text only', perBatch(`SELECT octet_length(${LINES.text}) + octet_length(:separator::text) AS bytes`, false));
    await measure('SHA-256 of the text received', perBatch(`SELECT encode(sha256(convert_to(${LINES.text}, 'UTF8')), 'hex') AS sha256`, false));
    const copyFile = path.join(work, 'rows.copy');
    await timeTool('psql', ['-d', url, '-c', `\\copy ${BENCH_TABLE} TO '${copyFile}'`]);
    await measure('COPY FROM (psql \\copy, in one transaction)', async () => {
      await timeTool('psql', ['-d', url, '-1', '-c', `TRUNCATE ${BENCH_TABLE}`, '-c', `\\copy ${BENCH_TABLE} FROM '${copyFile}'`]);
    });

    const width = Math.max(...results.map((r) => r.what.length));
    console.log(`\n${'what'.padEnd(width)}  wall      PostgreSQL CPU`);
    for (const r of results) console.log(`${r.what.padEnd(width)}  ${seconds(r.ms).padEnd(8)}  ${Number.isNaN(r.cpuMs) ? '(server elsewhere)' : seconds(r.cpuMs)}`);
  } finally {
    await client.end().catch(() => undefined);
    await driver.close();
    await rm(work, { recursive: true, force: true });
    await recreateDatabase(adminUrl, DATABASE, true);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
