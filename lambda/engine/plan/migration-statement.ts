import type { BundledScript, BundledStatement } from '../../migrations/bundle';
import type { PlannedStatement } from './types';

/**
 * A script statement as a planned statement, with its source (file, line, 1-based position). Sent
 * with continueAfterTimeout: a statement that outlasts the Data API's 45 s call wait goes on on the
 * server (bounded by the migration's statement_timeout, when set) and the engine waits for it
 * (`run/long-statement.ts`) instead of having it cancelled half-way.
 */
export function migrationStatement(script: BundledScript, statement: BundledStatement, index: number): PlannedStatement {
  return {
    role: 'migration',
    sql: statement.sql,
    source: { file: script.file, line: statement.line, statement: index + 1 },
    continueAfterTimeout: true,
  };
}
