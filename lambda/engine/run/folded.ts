/**
 * Running a folded step (`plan/fold.ts`): its runtime values written into the block, its errors mapped
 * back to the statement that failed, and its outcome read from the schema history when the block
 * outlived its Data API call.
 */
import type { Executor, SqlParams } from '../../driver/driver';
import { DatabaseError } from '../../driver/errors';
import { FOLDED_ERROR, sqlLiteral } from '../plan/fold';
import type { PlannedStatement, StepConfirmation } from '../plan/types';
import type { HistoryTables } from '../history/tables';

/**
 * The statement's text with its runtime parameters written as literals into its first
 * `inlineParamsBefore` characters (the rest, the migration's own statements, is left untouched).
 */
export function inlineRuntime(statement: PlannedStatement, runtime: SqlParams): string {
  const until = statement.inlineParamsBefore ?? 0;
  const head = statement.sql.slice(0, until).replace(/(?<!:):([a-z_][a-z0-9_]*)/g, (whole, name: string) => {
    if (!(statement.runtimeParams ?? []).includes(name as never)) return whole;
    const value = runtime[name];
    if (typeof value === 'number' && Number.isInteger(value)) return String(value);
    if (typeof value === 'string') return sqlLiteral(value);
    throw new Error(`runtime parameter :${name} cannot be written as a literal`);
  });
  return head + statement.sql.slice(until);
}

/**
 * Maps an error of a folded block to the statement it came from: returns that statement (the history
 * write for 0) and the error without the block's prefix; any other error is returned as it is.
 */
export function unfoldError(error: unknown, statement: PlannedStatement): { error: unknown; source: PlannedStatement | undefined } {
  if (!(error instanceof DatabaseError) || !statement.folds) return { error, source: undefined };
  const match = FOLDED_ERROR.exec(error.message);
  if (!match) return { error, source: undefined };
  const source = statement.folds[Number(match[1])];
  const unfolded = new DatabaseError(error.message.slice(match[0].length), error.sqlState, error.detail, error.hint);
  return { error: unfolded, source };
}

/**
 * Whether the schema history shows the step took effect (see {@link StepConfirmation}). One call.
 */
export async function confirmStep(db: Executor, tables: HistoryTables, confirm: StepConfirmation): Promise<boolean> {
  const { rows } = await db.execute<{ confirmed: boolean }>(
    `SELECT coalesce((
  SELECT h.type = :type AND h.checksum = :checksum AND (CASE WHEN :statements::integer IS NULL THEN h.success ELSE h.statements_applied >= :statements::integer END)
  FROM ${tables.history} h
  WHERE CASE WHEN :version = '' THEN h.version = '' AND h.name = :name ELSE h.version = :version END
  ORDER BY h.installed_rank DESC LIMIT 1), false) AS confirmed`,
    { version: confirm.version, name: confirm.name, type: confirm.type, checksum: confirm.checksum, statements: confirm.statementsApplied ?? null },
  );
  return rows[0]?.confirmed === true;
}
