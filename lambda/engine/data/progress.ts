/**
 * Data migrations' batch checkpoints in `<historySchema>.backfill_progress` (see
 * `history/tables.ts`, `createProgressTableSql`): one row per version, direction and batch loop.
 */
import type { Executor } from '../../driver/driver';
import type { HistoryTables } from '../history/tables';
import type { PlannedStatement } from '../plan/types';

/** A checkpoint as read back. */
export interface Checkpoint {
  /** Where the next batch starts, as text; null before the first batch. */
  readonly cursor: string | null;
  readonly rowsDone: number;
  readonly batches: number;
  readonly finished: boolean;
}

interface CheckpointRow extends Record<string, string | number | boolean | null> {
  cursor: string | null;
  rows_done: string;
  batches: number;
  finished: boolean;
}

const toCheckpoint = (row: CheckpointRow): Checkpoint => ({
  cursor: row.cursor,
  rowsDone: Number(row.rows_done),
  batches: row.batches,
  finished: row.finished,
});

/** Identifies one batch loop. */
export interface LoopKey {
  readonly version: string;
  readonly direction: 'up' | 'down';
  readonly name: string;
}

/**
 * Creates the loop's checkpoint row when missing and returns it as it stands (one call; idempotent,
 * so safe to send again).
 */
export async function openCheckpoint(db: Executor, tables: HistoryTables, key: LoopKey): Promise<Checkpoint> {
  const { rows } = await db.execute<CheckpointRow>(
    `INSERT INTO ${tables.progress} AS p (version, direction, name) VALUES (:version, :direction, :name)
ON CONFLICT (version, direction, name) DO UPDATE SET version = p.version
RETURNING p.cursor, p.rows_done::text AS rows_done, p.batches, p.finished`,
    { version: key.version, direction: key.direction, name: key.name },
  );
  return toCheckpoint(rows[0]!);
}

/** Reads the loop's checkpoint (to learn whether a batch whose commit was lost committed). */
export async function readCheckpoint(db: Executor, tables: HistoryTables, key: LoopKey): Promise<Checkpoint | undefined> {
  const { rows } = await db.execute<CheckpointRow>(
    `SELECT cursor, rows_done::text AS rows_done, batches, finished FROM ${tables.progress}
WHERE version = :version AND direction = :direction AND name = :name`,
    { version: key.version, direction: key.direction, name: key.name },
  );
  return rows[0] ? toCheckpoint(rows[0]) : undefined;
}

/**
 * Records a batch, in the batch's transaction: only while the loop is where this batch started
 * (`batches` = `after`) and the lock lease with `lease_token` is ours (else no row changes: the lease
 * was lost).
 * @returns rows changed (1, or 0 when the lease was lost)
 */
export async function writeCheckpoint(
  tx: Executor,
  tables: HistoryTables,
  key: LoopKey,
  batch: { after: number; cursor: string | null; rows: number; finished: boolean; leaseToken: string },
): Promise<number> {
  const { rowsAffected } = await tx.execute(
    `UPDATE ${tables.progress}
SET cursor = :cursor, rows_done = rows_done + :rows::bigint, batches = batches + 1, finished = :finished, updated_at = now()
WHERE version = :version AND direction = :direction AND name = :name AND batches = :after::integer
  AND EXISTS (SELECT 1 FROM ${tables.lock} WHERE id = 1 AND token = :lease_token::text AND expires_at > clock_timestamp())`,
    {
      version: key.version,
      direction: key.direction,
      name: key.name,
      after: batch.after,
      cursor: batch.cursor,
      rows: batch.rows,
      finished: batch.finished,
      lease_token: batch.leaseToken,
    },
  );
  return rowsAffected;
}

/** Deletes a version's checkpoints (rollback, in the transaction of its `undo` row). */
export function deleteProgress(tables: HistoryTables, version: string): PlannedStatement {
  return {
    role: 'history',
    sql: `DELETE FROM ${tables.progress} WHERE version = :version::text
  AND EXISTS (SELECT 1 FROM ${tables.lock} WHERE id = 1 AND token = :lease_token::text AND expires_at > clock_timestamp())`,
    params: { version },
    runtimeParams: ['lease_token'],
  };
}
