/**
 * What the Data API checks about the SQL text before it reaches the database (see
 * `/work/shared/data-api-reference.md`, "Limits"): at most 65,536 characters, and one statement only.
 */
import { loadModule, parseSync } from 'libpg-query';
import { toPositional } from '../../lambda/driver/named-parameters';
import { serviceError } from './service-error';

/** Longest SQL string the Data API accepts, in characters. */
export const MAX_SQL_CHARACTERS = 65_536;

let parserReady: Promise<void> | undefined;

/** Loads the PostgreSQL parser (libpg-query's WASM module) once per process. */
export function loadSqlParser(): Promise<void> {
  parserReady ??= loadModule();
  return parserReady;
}

/**
 * Rejects SQL the Data API would reject:
 * - longer than {@link MAX_SQL_CHARACTERS};
 * - more than one statement, counted by the real PostgreSQL parser (libpg-query) on the text after
 *   `:name` → `$n` (which the parser understands). Text the parser cannot read is let through so that
 *   PostgreSQL reports the syntax error itself, with its SQLSTATE and position.
 * Call {@link loadSqlParser} (awaited) once before.
 * @throws {ServiceError} ValidationException
 */
export function checkStatement(sql: string): void {
  if (sql.length > MAX_SQL_CHARACTERS) {
    throw serviceError(
      'ValidationException',
      `1 validation error detected: Value at 'sql' failed to satisfy constraint: Member must have length less than or equal to ${MAX_SQL_CHARACTERS}`,
    );
  }
  let statements: number;
  try {
    statements = parseSync(toPositional(sql).text).stmts?.length ?? 0;
  } catch {
    return;
  }
  if (statements > 1) throw serviceError('ValidationException', "Multistatements aren't supported.");
}
