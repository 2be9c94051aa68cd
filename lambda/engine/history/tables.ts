import { DatabaseError } from '../../driver/errors';
import { quoteIdentifier } from '../../driver/quote-identifier';
import { validateIdentifier } from '../identifier';

/** The schema that holds the schema history and the lock lease when none is configured. */
export const DEFAULT_HISTORY_SCHEMA = 'rds_migrate';

/** Where the engine keeps its bookkeeping; every command takes this option. */
export interface HistoryOptions {
  /** Schema holding `schema_history`, `lock` and `backfill_progress`; validated as an identifier. @default 'rds_migrate' */
  readonly historySchema?: string;
}

/** Where the engine keeps its bookkeeping: the schema and its tables, ready to write into SQL. */
export interface HistoryTables {
  /** The schema name, unquoted (e.g. `rds_migrate`). */
  readonly schema: string;
  /** `"rds_migrate"."schema_history"`: one row per applied, baselined, reverted or failed migration. */
  readonly history: string;
  /** `"rds_migrate"."lock"`: the single-row lock lease (see `lock/lease.ts`). */
  readonly lock: string;
  /** `"rds_migrate"."backfill_progress"`: checkpoints of data migrations' batches (see `data/progress.ts`). */
  readonly progress: string;
  /** `"rds_migrate"."check_lease_at_commit"`: the commit-time fence (see `history/commit-check.ts`). */
  readonly commitCheck: string;
}

/**
 * Resolves the bookkeeping tables for `historySchema`.
 * @param historySchema schema name, validated by `validateIdentifier`. @default 'rds_migrate'
 * @throws {Error} naming `historySchema` when it is not a valid identifier
 */
export function historyTables(historySchema: string = DEFAULT_HISTORY_SCHEMA): HistoryTables {
  const schema = validateIdentifier(historySchema, 'historySchema');
  const q = quoteIdentifier(schema);
  return {
    schema,
    history: `${q}."schema_history"`,
    lock: `${q}."lock"`,
    progress: `${q}."backfill_progress"`,
    commitCheck: `${q}."check_lease_at_commit"`,
  };
}

/**
 * What a schema history row records (column `type`):
 * - `sql`: a versioned SQL migration applied by migrate;
 * - `data`: a TypeScript data migration (`data/data-migration.ts`) applied by migrate;
 * - `baseline`: marked applied without running (baseline);
 * - `undo`: reverted by rollback with its down script (or a data migration's `down`);
 * - `repeatable`: a repeatable migration (Flyway `R__`) applied with the recorded checksum; its
 *   version column is empty (''), its name the description.
 */
export const HISTORY_ROW_TYPES = ['sql', 'data', 'baseline', 'undo', 'repeatable'] as const;

/**
 * The schema history table. Rows are appended; the last row of a version (highest installed_rank)
 * says what state it is in (see `status/compute.ts`):
 * - type: see {@link HISTORY_ROW_TYPES};
 * - success false: a non-transactional or data migration that started and has not finished;
 *   statements_applied counts its up statements already run, so a retry resumes after them;
 * - previous_checksum / repaired_by / repaired_at: set when repair accepted a changed checksum.
 */
export function createHistoryTableSql(tables: HistoryTables): string {
  return `CREATE TABLE IF NOT EXISTS ${tables.history} (
  installed_rank bigserial PRIMARY KEY,
  version text NOT NULL,
  name text NOT NULL,
  type text NOT NULL CONSTRAINT schema_history_type_check CHECK (type IN (${HISTORY_ROW_TYPES.map((t) => `'${t}'`).join(', ')})),
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
 * Brings a schema history table created by an earlier version of the engine up to date: its type
 * check accepts every {@link HISTORY_ROW_TYPES} entry. Idempotent.
 */
export function upgradeHistoryTypesSql(tables: HistoryTables): string {
  return `ALTER TABLE ${tables.history} DROP CONSTRAINT IF EXISTS schema_history_type_check,
  ADD CONSTRAINT schema_history_type_check CHECK (type IN (${HISTORY_ROW_TYPES.map((t) => `'${t}'`).join(', ')}))`;
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
 * Checkpoints of data migrations' batches, one row per (version, direction, batch name):
 * - cursor: where the next batch starts (a backfill's last key, as text), null before the first;
 * - rows_done, batches: totals so far; finished: the batch loop reached its end;
 * - updated_at: the last checkpoint.
 * A checkpoint is written in the same transaction as its batch, so a batch is either done and
 * recorded, or neither. The rows of a version are deleted when rollback reverts it.
 */
export function createProgressTableSql(tables: HistoryTables): string {
  return `CREATE TABLE IF NOT EXISTS ${tables.progress} (
  version text NOT NULL,
  direction text NOT NULL CHECK (direction IN ('up', 'down')),
  name text NOT NULL,
  cursor text,
  rows_done bigint NOT NULL DEFAULT 0,
  batches integer NOT NULL DEFAULT 0,
  finished boolean NOT NULL DEFAULT false,
  started_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (version, direction, name)
)`;
}

/**
 * True for the error of reading a bookkeeping table that was never created: undefined_table (42P01) or
 * invalid_schema_name (3F000), PostgreSQL docs Appendix A. Read-only commands treat it as "empty".
 */
export function isNotCreated(error: unknown): boolean {
  return error instanceof DatabaseError && (error.sqlState === '42P01' || error.sqlState === '3F000');
}
