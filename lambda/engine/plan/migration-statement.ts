import type { BundledScript, BundledStatement } from '../../migrations/bundle';
import type { PlannedStatement } from './types';

/** A script statement as a planned statement, with its source (file, line, 1-based position). */
export function migrationStatement(script: BundledScript, statement: BundledStatement, index: number): PlannedStatement {
  return {
    role: 'migration',
    sql: statement.sql,
    source: { file: script.file, line: statement.line, statement: index + 1 },
    // Long DDL outside a transaction (CREATE INDEX CONCURRENTLY) may outlast the Data API's 45 s wait.
    ...(statement.nonTransactional ? { continueAfterTimeout: true } : {}),
  };
}
