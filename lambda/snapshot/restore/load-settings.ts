import type { Executor } from '../../driver/driver';
import { applyExportSettings } from '../snapshot-settings';

/**
 * Transaction-local settings of a restore's load transaction (`set_config(..., true)`, the function form
 * of `SET LOCAL`), applied before anything is loaded:
 *
 * - the export's settings (`snapshot-settings.ts`): rows read back as the snapshot rendered them;
 * - `lock_timeout` `lockTimeoutMs` ms: a table another session holds fails the restore rather than
 *   queueing it behind that session (and everything else behind the restore);
 * - `plan_cache_mode` `force_generic_plan` (PostgreSQL 12+; PostgreSQL docs, 20.7.4 "Other Planner
 *   Options", and PREPARE): the Data API sends each statement with its parameters bound (as JDBC does), and
 *   PostgreSQL would plan each load statement for the values bound, a custom plan: the batch's text, a few
 *   MB, folded into the plan as a constant (copied, and cut into lines, while planning). A generic plan reads
 *   the parameters as it executes, and a load statement's plan (a function scan feeding an INSERT) has no
 *   choice the values could change. About 7% less PostgreSQL CPU time in a restore of the bench table
 *   (`bench:restore-statement`).
 *
 * @returns the server's version, read in the same statement
 */
export async function applyLoadSettings(tx: Executor, lockTimeoutMs: number): Promise<LoadServer> {
  await applyExportSettings(tx);
  const { rows } = await tx.execute<{ server_version: number | string }>(
    `SELECT set_config('lock_timeout', :ms, true) AS lock_timeout, set_config('plan_cache_mode', 'force_generic_plan', true) AS plan_cache_mode,
            current_setting('server_version_num')::int AS server_version`,
    { ms: `${lockTimeoutMs}ms` },
  );
  return { serverVersion: Number(rows[0]?.server_version) };
}

/** What the load statements are built for. */
export interface LoadServer {
  /** `server_version_num`, e.g. 150004 (`recordBatchSource` cuts batches by it). */
  readonly serverVersion: number;
}
