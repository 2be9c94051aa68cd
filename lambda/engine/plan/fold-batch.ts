/**
 * Batching folded migrations: consecutive migrations whose single step is folded (`fold.ts`) sent as
 * ONE DO block that runs each migration's body in a transaction of its own and COMMITs it before the
 * next one starts. PL/pgSQL may end transactions in a DO block run outside a transaction block
 * (PostgreSQL docs 43.8 "Transaction Management"); a Data API call without a transactionId is one.
 *
 * What each migration keeps, as when it is sent alone:
 * - its own transaction: its statements and its schema history row commit together at its COMMIT, and
 *   the commit-time lease check (`history/commit-check.ts`) runs at that COMMIT;
 * - its settings: the body opens with `set_config(..., true)` (lock_timeout, lease token), which end
 *   with its transaction; before every migration but the first, `RESET ALL` returns the session's
 *   settings to the connection's defaults, as the Data API's reset between calls does (a migration's
 *   `SET` does not reach the next one);
 * - its error: a failing statement's error leaves the migration's sub-block (rolling back what the
 *   migration did), ends the batch, and is raised with its SQLSTATE, detail and hint, its message
 *   prefixed `[rds-migrate migration M statement N] `; the migrations before M stay committed, the ones
 *   after it do not run;
 * - its execution time: measured from its own start (`rds_migrate_started`);
 * - the run's time budget: with one, the block stops before a migration once the budget it was sent
 *   with is used up (by the database clock, from the call's start), as the executor stops before a
 *   migration: the ones before it committed, and the block ends with SQLSTATE {@link BUDGET_USED_UP}
 *   naming the migration it did not start.
 *
 * A COMMIT that fails (the lease check, SQLSTATE RM001) raises an error without the prefix: which
 * migrations committed is then read from the schema history (`run/batch.ts`).
 *
 * Not batched: migrations that may leave session state the reset above does not clear
 * ({@link SESSION_STATE}: temporary objects, cursors WITH HOLD, session advisory locks, role or session
 * authorization changes); such a migration is the last of its batch.
 */
import { ERROR_DECLARATIONS, keepError, MAX_FOLDED_CHARACTERS, raiseKept, sqlLiteral, tagFor } from './fold';
import type { PlannedStatement } from './types';

/** Text of a statement that may leave session state behind that `RESET ALL` does not clear. */
export const SESSION_STATE = /\bTEMP(ORARY)?\b|\bWITH\s+HOLD\b|\bpg_(try_)?advisory_lock(_shared)?\b|\bSESSION\s+AUTHORIZATION\b|\bSET\s+(SESSION\s+|LOCAL\s+)?ROLE\b|\bLISTEN\b/i;

/** SQLSTATE a batch ends with when it stopped before a migration because the time budget was used up (our class "RM"). */
export const BUDGET_USED_UP = 'RM002';

/** The prefix of a batch's re-raised errors: `[rds-migrate migration M statement N] ` (M from 1; N as in a single fold's, 0 the history write). */
export const BATCH_ERROR = /^\[rds-migrate migration (\d+) statement (\d+)\] /;

/** Characters a member adds around its body (its prologue, sub-block, handler and COMMIT), an upper bound. */
const MEMBER_OVERHEAD = 600;
/** Characters of the block's head and tail, an upper bound. */
const BLOCK_OVERHEAD = 1200;

/** The body of a folded statement (see `PlannedStatement.body`). */
export function foldedBodyOf(folded: PlannedStatement): string | undefined {
  return folded.body ? folded.sql.slice(folded.body.start, folded.body.end) : undefined;
}

/** Whether a folded step may be followed by another migration in the same batch. */
export function endsBatch(folded: PlannedStatement): boolean {
  return (folded.folds ?? []).some((s) => s.role === 'migration' && SESSION_STATE.test(s.sql));
}

/**
 * How many of `folded` (the folded statements of consecutive migrations, from the first) fit in one
 * batch: within the Data API's SQL length (`MAX_FOLDED_CHARACTERS`), ending at a migration that
 * {@link endsBatch}. At least 1 when the first has a body.
 */
export function batchLength(folded: readonly PlannedStatement[], maxCharacters: number = MAX_FOLDED_CHARACTERS): number {
  let characters = BLOCK_OVERHEAD;
  let n = 0;
  for (const statement of folded) {
    if (!statement.body) break;
    characters += statement.body.end - statement.body.start + MEMBER_OVERHEAD;
    if (characters > maxCharacters && n > 0) break;
    n += 1;
    if (endsBatch(statement)) break;
  }
  return n;
}

/**
 * The one DO block running `folded` (folded statements of consecutive pending migrations, none with
 * earlier execution time: `rds_migrate_prior` is 0) in order, each committed on its own (see the
 * module comment), with the lease token written in as a literal.
 * @param budgetMs the time the run may still spend, ms, when it has a budget: no migration after the
 *   first starts once that much time has passed since the call started
 * @returns undefined when a statement has no body, no dollar-quote tag fits, or the block would be
 *   longer than `MAX_FOLDED_CHARACTERS`
 */
export function batchFolded(folded: readonly PlannedStatement[], leaseToken: string, budgetMs?: number): string | undefined {
  const bodies = folded.map(foldedBodyOf);
  if (bodies.some((b) => b === undefined)) return undefined;
  const tag = tagFor('rds_migrate_batch', bodies as string[]);
  if (!tag) return undefined;
  const budgetCheck =
    budgetMs === undefined
      ? ''
      : `  IF clock_timestamp() >= rds_migrate_deadline THEN
    rds_migrate_state := '${BUDGET_USED_UP}';
    rds_migrate_message := 'the run''s time budget is used up: stopped before this migration';
    EXIT rds_migrate_members;
  END IF;
`;
  const members = (bodies as string[]).map(
    (body, i) => `  rds_migrate_migration := ${i + 1};
${i > 0 ? `${budgetCheck}  RESET ALL;\n` : ''}  rds_migrate_started := clock_timestamp();
  rds_migrate_statement := 0;
  BEGIN
${body}
  EXCEPTION WHEN OTHERS THEN
${keepError('    ')}
    EXIT rds_migrate_members;
  END;
  COMMIT;`,
  );
  const sql = `DO ${tag}
DECLARE
  rds_migrate_token text := ${sqlLiteral(leaseToken)};
  rds_migrate_prior integer := 0;
  rds_migrate_started timestamptz;
  rds_migrate_deadline timestamptz := ${budgetMs === undefined ? 'NULL' : `statement_timestamp() + interval '${Math.max(0, Math.floor(budgetMs))} milliseconds'`};
  rds_migrate_migration integer := 0;
${ERROR_DECLARATIONS}
BEGIN
  <<rds_migrate_members>>
  BEGIN
${members.join('\n')}
  END;
  IF rds_migrate_state IS NOT NULL THEN
    rds_migrate_message := format('[rds-migrate migration %s statement %s] %s', rds_migrate_migration, rds_migrate_statement, rds_migrate_message);
${raiseKept('    ')}
  END IF;
END
${tag}`;
  return sql.length > MAX_FOLDED_CHARACTERS ? undefined : sql;
}
