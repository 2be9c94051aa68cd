/**
 * Runs one migration's verify.sql.
 *
 * The pass/fail rule: the script runs statement by statement inside one transaction that starts with
 * `SET TRANSACTION READ ONLY` (so a verify cannot change anything) and is always rolled back. The
 * verify fails at the first statement that
 * 1. raises an error (e.g. `SELECT 1/count(*) FROM ...` dividing by zero, a `DO` block's
 *    `RAISE EXCEPTION` or `ASSERT`, a missing relation or column), or
 * 2. returns a result set with zero rows (`SELECT 1 FROM pg_indexes WHERE indexname = '...'`), or
 * 3. returns a row whose first column is `false` (`SELECT count(*) = 0 FROM t WHERE ...`).
 * A NULL first column passes (as `bool_and` over no rows, "nothing contradicts it"). Whether a statement
 * returns a result set is decided by its first keyword (`result-set.ts`). The statements after a
 * failing one are not run.
 */
import type { Driver, Row } from '../driver/driver';
import { DatabaseError } from '../driver/errors';
import type { BundledMigration, BundledScript } from '../migrations/bundle';
import type { VerificationCheck } from './report';
import { returnsResultSet } from './result-set';

export interface VerifyScriptOptions {
  /** statement_timeout of the verify transaction, ms; 0 disables it. @default 30000 */
  readonly statementTimeoutMs?: number;
}

export const DEFAULT_VERIFY_STATEMENT_TIMEOUT_MS = 30_000;

/** Why a statement fails the rule, or undefined when it passes. */
function judge(sql: string, rows: Row[]): { reason: string; found: unknown } | undefined {
  if (!returnsResultSet(sql)) return undefined;
  if (rows.length === 0) return { reason: 'returned no rows', found: 'no rows' };
  const index = rows.findIndex((row) => Object.values(row)[0] === false);
  if (index === -1) return undefined;
  const column = Object.keys(rows[index]!)[0];
  return { reason: `returned false in its first column "${column}" (row ${index + 1})`, found: false };
}

function describeError(error: unknown): string {
  if (error instanceof DatabaseError) return `raised SQLSTATE ${error.sqlState ?? 'unknown'}: ${error.message}`;
  return `failed: ${error instanceof Error ? error.message : String(error)}`;
}

/**
 * Runs `migration`'s verify script (see the module doc for the rule).
 * @returns one check: passed, or failed naming the file, line, statement and why
 * @throws {Error} for a timeout option out of range; database errors become failed checks
 */
export async function runVerifyScript(driver: Driver, migration: BundledMigration, options: VerifyScriptOptions = {}): Promise<VerificationCheck> {
  const script: BundledScript = migration.verify!;
  const timeout = options.statementTimeoutMs ?? DEFAULT_VERIFY_STATEMENT_TIMEOUT_MS;
  if (!Number.isInteger(timeout) || timeout < 0 || timeout > 2_147_483_647) {
    throw new Error(`statementTimeoutMs must be a whole number of milliseconds between 0 and 2147483647, got ${timeout}`);
  }
  const base = { check: 'verify-script', object: script.file, severity: 'error' as const };
  let tx;
  try {
    tx = await driver.beginTransaction();
  } catch (error) {
    return { ...base, passed: false, message: `${script.file} could not start its transaction: ${describeError(error)}` };
  }
  try {
    await tx.execute('SET TRANSACTION READ ONLY');
    await tx.execute(`SET LOCAL statement_timeout = '${timeout}ms'`);
    for (const [i, statement] of script.statements.entries()) {
      const where = `${script.file} line ${statement.line} (statement ${i + 1})`;
      let rows: Row[];
      try {
        rows = (await tx.execute(statement.sql)).rows;
      } catch (error) {
        return { ...base, passed: false, message: `${where} ${describeError(error)}`, ...(error instanceof DatabaseError ? { found: error.sqlState } : {}) };
      }
      const verdict = judge(statement.sql, rows);
      if (verdict) return { ...base, passed: false, message: `${where} ${verdict.reason}`, expected: 'at least one row, first column not false', found: verdict.found };
    }
    return { ...base, passed: true, message: `${script.file}: ${script.statements.length} statement(s) passed (migration ${migration.version})` };
  } catch (error) {
    return { ...base, passed: false, message: `${script.file} could not set up its read-only transaction: ${describeError(error)}` };
  } finally {
    await tx.rollback().catch(() => undefined);
  }
}
