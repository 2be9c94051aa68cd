/**
 * What a run must not leave behind once it has ended, successfully or not and however it was cut
 * off, when the next run has recovered: a held lock lease, a session idle in a transaction, a lock
 * held by another session, an INVALID index, an unfinished schema history row.
 */
import type { ScratchDatabase } from './scratch-database';

/**
 * Lists what is left behind in `db` (empty: nothing). Only client sessions count (not autovacuum);
 * the local Data API's idle pooled connections (reset with DISCARD ALL) hold nothing.
 */
export async function leftovers(db: ScratchDatabase): Promise<string[]> {
  const found: string[] = [];
  const { rows: bookkeeping } = await db.sql<{ lock: boolean; history: boolean }>(
    `SELECT to_regclass('rds_migrate.lock') IS NOT NULL AS lock, to_regclass('rds_migrate.schema_history') IS NOT NULL AS history`,
  );
  if (bookkeeping[0]!.lock) {
    const { rows } = await db.sql<{ owner: string }>('SELECT owner FROM rds_migrate.lock');
    for (const row of rows) found.push(`the lock lease is still held by ${row.owner}`);
  }
  if (bookkeeping[0]!.history) {
    const { rows } = await db.sql<{ version: string }>(
      `SELECT version FROM rds_migrate.schema_history h
       WHERE NOT success AND installed_rank = (SELECT max(installed_rank) FROM rds_migrate.schema_history WHERE version = h.version)`,
    );
    for (const row of rows) found.push(`schema history row of ${row.version} is unfinished (success = false)`);
  }
  const { rows: sessions } = await db.sql<{ pid: number; state: string; query: string }>(
    `SELECT pid, state, left(query, 80) AS query FROM pg_stat_activity
     WHERE datname = current_database() AND pid <> pg_backend_pid() AND state LIKE 'idle in transaction%'`,
  );
  for (const s of sessions) found.push(`session ${s.pid} is ${s.state} (last: ${s.query})`);
  const { rows: locks } = await db.sql<{ pid: number; mode: string; relation: string }>(
    `SELECT l.pid, l.mode, l.relation::regclass::text AS relation FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
     WHERE l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
       AND l.locktype = 'relation' AND l.pid <> pg_backend_pid()
       -- autovacuum workers take their own locks for a moment; they are not left by a run
       AND a.backend_type = 'client backend'`,
  );
  for (const l of locks) found.push(`session ${l.pid} holds ${l.mode} on ${l.relation}`);
  const { rows: invalid } = await db.sql<{ name: string }>(
    `SELECT c.relname AS name FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE NOT i.indisvalid`,
  );
  for (const i of invalid) found.push(`index ${i.name} is INVALID`);
  return found;
}
