import { DatabaseError } from '../../driver/errors';
import { quoteIdentifier, validateIdentifier } from '../identifier';

/** The schema that holds the schema history and the lock lease when none is configured. */
export const DEFAULT_HISTORY_SCHEMA = 'rds_migrate';

/** Where the engine keeps its bookkeeping; every command takes this option. */
export interface HistoryOptions {
  /** Schema holding `schema_history` and `lock`; validated as an identifier. @default 'rds_migrate' */
  readonly historySchema?: string;
}

/** Where the engine keeps its bookkeeping: the schema and its two tables, ready to write into SQL. */
export interface HistoryTables {
  /** The schema name, unquoted (e.g. `rds_migrate`). */
  readonly schema: string;
  /** `"rds_migrate"."schema_history"`: one row per applied, baselined, reverted or failed migration. */
  readonly history: string;
  /** `"rds_migrate"."lock"`: the single-row lock lease (see `lock/lease.ts`). */
  readonly lock: string;
}

/**
 * Resolves the bookkeeping tables for `historySchema`.
 * @param historySchema schema name, validated by `validateIdentifier`. @default 'rds_migrate'
 * @throws {Error} naming `historySchema` when it is not a valid identifier
 */
export function historyTables(historySchema: string = DEFAULT_HISTORY_SCHEMA): HistoryTables {
  const schema = validateIdentifier(historySchema, 'historySchema');
  const q = quoteIdentifier(schema);
  return { schema, history: `${q}."schema_history"`, lock: `${q}."lock"` };
}

/**
 * The schema history table. Rows are appended; the last row of a version (highest installed_rank)
 * says what state it is in (see `status/compute.ts`):
 * - type `sql`: applied by migrate; `baseline`: marked applied without running; `undo`: reverted by
 *   rollback with its down script;
 * - success false: a non-transactional migration that started and has not finished;
 *   statements_applied counts its up statements already run, so a retry resumes after them;
 * - previous_checksum / repaired_by / repaired_at: set when repair accepted a changed checksum.
 */
export function createHistoryTableSql(tables: HistoryTables): string {
  return `CREATE TABLE IF NOT EXISTS ${tables.history} (
  installed_rank bigserial PRIMARY KEY,
  version text NOT NULL,
  name text NOT NULL,
  type text NOT NULL CHECK (type IN ('sql', 'baseline', 'undo')),
  checksum text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now(),
  execution_ms integer NOT NULL DEFAULT 0,
  applied_by text NOT NULL,
  success boolean NOT NULL,
  statements_applied integer NOT NULL DEFAULT 0,
  previous_checksum text,
  repaired_by text,
  repaired_at timestamptz
)`;
}

/**
 * The lock lease: at most one row (id = 1). Times come from the database clock (now()), so runners
 * with skewed clocks agree on when a lease expires.
 */
export function createLockTableSql(tables: HistoryTables): string {
  return `CREATE TABLE IF NOT EXISTS ${tables.lock} (
  id smallint PRIMARY KEY CHECK (id = 1),
  owner text NOT NULL,
  token text NOT NULL,
  acquired_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  heartbeat_at timestamptz NOT NULL
)`;
}

/**
 * True for the error of reading a bookkeeping table that was never created: undefined_table (42P01) or
 * invalid_schema_name (3F000), PostgreSQL docs Appendix A. Read-only commands treat it as "empty".
 */
export function isNotCreated(error: unknown): boolean {
  return error instanceof DatabaseError && (error.sqlState === '42P01' || error.sqlState === '3F000');
}
