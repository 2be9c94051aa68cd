/**
 * A plan: the exact statements a command runs, in order, grouped into the calls and transactions that
 * run them. migrate and rollback build a plan and execute it (`run/execute-plan.ts`); the plan command
 * returns the same plan without executing it, so a dry run cannot differ from the real one.
 *
 * Not in the plan: the engine's bookkeeping around it, which changes no schema: creating the schema
 * history on first use, reading it, and taking, renewing and releasing the lock lease.
 */
import type { SqlParams } from '../../driver/driver';
import type { BundledMigration } from '../../migrations/bundle';
import type { StatementSource } from '../errors';

/**
 * Parameters only known while running, shown by name in a plan:
 * - `execution_ms`: the migration's execution time so far (ms), written to the schema history;
 * - `lease_token`: the lock lease token that fences every schema history write (see `lock/lease.ts`).
 */
export type RuntimeParam = 'execution_ms' | 'lease_token';

/**
 * Checks for an INVALID index left by a failed CREATE INDEX CONCURRENTLY before the statement runs again
 * (PostgreSQL docs, CREATE INDEX "Building Indexes Concurrently": a failed build leaves an invalid
 * index behind, and IF NOT EXISTS would then skip the build). See `run/concurrent-index.ts`.
 */
export interface InvalidIndexGuard {
  /** The table as written in the statement, e.g. `public.faktury_faktura`. */
  readonly table: string;
  /** The index name, case-folded as PostgreSQL does. */
  readonly index: string;
}

export interface PlannedStatement {
  readonly sql: string;
  /** Parameters known when planning. */
  readonly params?: SqlParams;
  /** Parameters filled in when the statement runs. */
  readonly runtimeParams?: readonly RuntimeParam[];
  /**
   * - `setting`: `SET LOCAL` of a timeout;
   * - `migration`: a statement of an up or down script;
   * - `history`: a schema history write;
   * - `guard`: a check for an INVALID index, followed by its DROP when one is found.
   */
  readonly role: 'setting' | 'migration' | 'history' | 'guard';
  /** For `migration` statements: where the statement comes from. */
  readonly source?: StatementSource;
  /** For `guard` statements: what is checked. */
  readonly guard?: InvalidIndexGuard;
  /** For `history` statements: the rows the statement must change, else the lease was lost. */
  readonly expectRowsAffected?: number;
  /** Let the statement finish on the server after the Data API's 45 s call wait (long DDL). */
  readonly continueAfterTimeout?: boolean;
  /** A human note for the plan, e.g. what a guard does when it finds something. */
  readonly note?: string;
}

/**
 * One step: a transaction (BEGIN, statements, COMMIT), or one statement on its own (autocommit).
 * A step that fails with lock_not_available (55P03) is retried as a whole (see `run/retry.ts`).
 */
export interface PlannedStep {
  readonly transaction: boolean;
  readonly statements: readonly PlannedStatement[];
  /**
   * For non-transactional migrations: how many of the script's statements have run once this step is
   * done (used to say what a failure left applied).
   */
  readonly statementsDone?: number;
}

export interface PlannedMigration {
  readonly version: string;
  readonly name: string;
  readonly direction: 'up' | 'down';
  readonly migration: BundledMigration;
  /** The script this migration runs (`up` or `down`). */
  readonly file: string;
  /** True when the whole migration runs in one transaction with its schema history row. */
  readonly transactional: boolean;
  /** Statements of the script skipped because an earlier, failed run already applied them. */
  readonly resumeAfter: number;
  /** Execution time already recorded by earlier runs of a resumed migration, ms. */
  readonly priorExecutionMs: number;
  readonly steps: readonly PlannedStep[];
}

export interface MigrationPlan {
  readonly direction: 'up' | 'down';
  /** Highest applied version before the plan runs (null when none). */
  readonly current: string | null;
  /** Version the plan ends at: the target, or the last migration; `current` when nothing runs. */
  readonly target: string | null;
  readonly migrations: readonly PlannedMigration[];
}
