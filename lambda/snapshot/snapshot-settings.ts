import type { Executor, Transaction } from '../driver/driver';

/**
 * Transaction-local settings (`set_config(..., true)`, the function form of `SET LOCAL`) under which
 * rows are rendered and read, whatever the server's or role's defaults:
 *
 * - `TimeZone` UTC (timestamptz as `...+00:00`), `extra_float_digits` 1 (shortest float text that reads
 *   back exactly, PostgreSQL 12+), `bytea_output` hex, `IntervalStyle` postgres, `DateStyle` ISO: the
 *   lines are the same bytes on every server, so the restore can recompute their checksums;
 * - `jit` off: the page statement's estimated cost (its piece expansion) would otherwise make every page
 *   pay for JIT compilation, about 150 ms, more than the page itself takes (PostgreSQL docs, 32.2
 *   "When to JIT?");
 * - `work_mem` 64MB: a page's rows are held once for its window pass; the default 4MB would spill pages
 *   of a few MB to disk (PostgreSQL docs, 20.4.1 "Memory");
 * - `max_parallel_workers_per_gather` 0: no parallel plan, so a page's rows come in the order of its
 *   one scan (`page-query.ts`, the `whole` shape); the export reads in parallel through its own workers.
 */
const EXPORT_SETTINGS = `set_config('TimeZone', 'UTC', true) AS time_zone,
            set_config('extra_float_digits', '1', true) AS extra_float_digits,
            set_config('bytea_output', 'hex', true) AS bytea_output,
            set_config('IntervalStyle', 'postgres', true) AS interval_style,
            set_config('DateStyle', 'ISO, MDY', true) AS date_style,
            set_config('jit', 'off', true) AS jit,
            set_config('work_mem', '64MB', true) AS work_mem,
            set_config('max_parallel_workers_per_gather', '0', true) AS max_parallel_workers_per_gather`;

/**
 * Applies the export settings (see {@link EXPORT_SETTINGS}) in the current transaction, one statement.
 * The restore uses it to re-export what it loaded exactly as the snapshot exported it.
 */
export async function applyExportSettings(tx: Executor): Promise<void> {
  await tx.execute(`SELECT ${EXPORT_SETTINGS}`);
}

/**
 * Opens the snapshot's view of the database inside a fresh transaction:
 *
 * 1. `SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY` as the very first statement (it must
 *    precede any query of the transaction: PostgreSQL docs, SET TRANSACTION), so every later statement
 *    sees the same snapshot of every table (PostgreSQL docs, 13.2.2 "Repeatable Read Isolation Level")
 *    and nothing can be written by mistake. BeginTransaction of the Data API opens the transaction
 *    without running a query in it (AWS documents nothing either way; the local Data API, which runs
 *    `BEGIN` and then our calls, accepts it as the first statement, see `test/snapshot/data-api.test.ts`),
 *    so the isolation actually in force is read back and checked: at a weaker level the snapshot fails
 *    rather than read its tables at different instants.
 * 2. The export settings (see {@link applyExportSettings}), in the same statement as the check.
 *
 * @returns the transaction's start time (`now()`), ISO 8601 UTC with milliseconds, and the server's
 *   `server_version_num` (e.g. 150004)
 * @throws {Error} when the transaction is not REPEATABLE READ, READ ONLY after step 1
 */
export async function beginSnapshotView(tx: Transaction): Promise<{ startedAt: string; serverVersion: number }> {
  await tx.execute('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
  return checkedView(tx);
}

/**
 * Exports the snapshot of the transaction opened by {@link beginSnapshotView} (`pg_export_snapshot()`,
 * PostgreSQL docs, 9.28.5 "Snapshot Synchronization Functions"), for workers to read the same instant.
 * The snapshot stays importable only while `tx` is open.
 * @returns the snapshot's identifier, e.g. `00000003-0000001B-1`
 */
export async function exportSnapshotView(tx: Transaction): Promise<string> {
  const { rows } = await tx.execute<{ name: string }>('SELECT pg_export_snapshot() AS name');
  const name = rows[0]?.name;
  if (typeof name !== 'string' || !SNAPSHOT_NAME.test(name)) throw new Error(`pg_export_snapshot() returned ${JSON.stringify(name)}`);
  return name;
}

/** What `pg_export_snapshot()` returns: hex groups separated by `-` (no quote can reach the SQL). */
const SNAPSHOT_NAME = /^[0-9A-Fa-f]+(?:-[0-9A-Fa-f]+)+$/;

/**
 * Opens, in a fresh worker transaction, the view a main transaction exported: `SET TRANSACTION
 * ISOLATION LEVEL REPEATABLE READ, READ ONLY` then `SET TRANSACTION SNAPSHOT '<name>'` as its first
 * statements (PostgreSQL docs, SET TRANSACTION: "SET TRANSACTION SNAPSHOT can only be executed at the
 * start of a transaction, before the first query"), then the export settings; the isolation is read
 * back and checked as in {@link beginSnapshotView}. Each worker is a Data API transaction of its own.
 * @throws {Error} on a malformed snapshot name, or when the view is not REPEATABLE READ, READ ONLY
 * @throws {DatabaseError} when the exporting transaction has ended (SQLSTATE 22023 "invalid snapshot identifier")
 */
export async function joinSnapshotView(tx: Transaction, snapshotName: string): Promise<void> {
  if (!SNAPSHOT_NAME.test(snapshotName)) throw new Error(`Not an exported snapshot identifier: ${JSON.stringify(snapshotName)}`);
  await tx.execute('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
  await tx.execute(`SET TRANSACTION SNAPSHOT '${snapshotName}'`);
  await checkedView(tx);
}

async function checkedView(tx: Transaction): Promise<{ startedAt: string; serverVersion: number }> {
  const { rows } = await tx.execute<{ isolation: string; read_only: string; started_at: string; server_version: number }>(
    `SELECT ${EXPORT_SETTINGS},
            current_setting('server_version_num')::int AS server_version,
            current_setting('transaction_isolation') AS isolation,
            current_setting('transaction_read_only') AS read_only,
            to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS started_at`,
  );
  const row = rows[0];
  if (!row || row.isolation !== 'repeatable read' || row.read_only !== 'on') {
    throw new Error(
      `The snapshot transaction is ${row?.isolation ?? 'unknown'} (read only: ${row?.read_only ?? 'unknown'}), not REPEATABLE READ, READ ONLY: its tables would not be read at one point in time`,
    );
  }
  return { startedAt: row.started_at, serverVersion: row.server_version };
}
