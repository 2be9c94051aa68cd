import type { Transaction } from '../driver/driver';

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
 * 2. Transaction-local settings (`set_config(..., true)`, the function form of `SET LOCAL`) that fix how
 *    values are rendered, whatever the server's or role's defaults: `TimeZone` UTC (timestamptz as
 *    `...+00:00`), `extra_float_digits` 1 (shortest float text that reads back exactly, PostgreSQL 12+),
 *    `bytea_output` hex, `IntervalStyle` postgres, `DateStyle` ISO.
 *
 * @returns the transaction's start time (`now()`), ISO 8601 UTC with milliseconds
 * @throws {Error} when the transaction is not REPEATABLE READ, READ ONLY after step 1
 */
export async function beginSnapshotView(tx: Transaction): Promise<string> {
  await tx.execute('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
  const { rows } = await tx.execute<{ isolation: string; read_only: string; started_at: string }>(
    `SELECT set_config('TimeZone', 'UTC', true) AS time_zone,
            set_config('extra_float_digits', '1', true) AS extra_float_digits,
            set_config('bytea_output', 'hex', true) AS bytea_output,
            set_config('IntervalStyle', 'postgres', true) AS interval_style,
            set_config('DateStyle', 'ISO, MDY', true) AS date_style,
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
  return row.started_at;
}
