/**
 * A plan: the exact statements a command runs, in order, grouped into the calls and transactions that
 * run them. migrate and rollback build a plan and execute it (`run/execute-plan.ts`); the plan command
 * returns the same plan without executing it, so a dry run cannot differ from the real one. One
 * grouping is left to the executor: consecutive migrations folded into one DO block each are sent
 * together in one call made of their blocks' bodies, each committed on its own (`fold-batch.ts`).
 *
 * Not in the plan: the engine's bookkeeping around it, which changes no schema: creating the schema
 * history on first use, reading it, and taking, renewing and releasing the lock lease.
 */
import type { SqlParams } from '../../driver/driver';
import type { BundledMigration, BundledRepeatable } from '../../migrations/bundle';
import type { StatementSource } from '../errors';
import type { TimeoutOptions } from '../run/timeouts';

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
   * - `setting`: the settings opening a transaction (`run/timeouts.ts`);
   * - `migration`: a statement of an up or down script;
   * - `history`: a schema history write (when it opens a transaction, with the settings in a CTE);
   * - `guard`: a check for an INVALID index, followed by its DROP when one is found.
   */
  readonly role: 'setting' | 'migration' | 'history' | 'guard';
  /** For `migration` statements: where the statement comes from. */
  readonly source?: StatementSource;
  /** For `guard` statements: what is checked. */
  readonly guard?: InvalidIndexGuard;
  /** For `history` statements: the rows the statement must change, else the lease was lost. */
  readonly expectRowsAffected?: number;
  /** Let the statement finish on the server after the Data API's 45 s call wait (long statements). */
  readonly continueAfterTimeout?: boolean;
  /**
   * The statement opens its transaction: its first result row has the backend's `pid` and the
   * transaction's start, `xact_start` (see `run/timeouts.ts`).
   */
  readonly session?: boolean;
  /**
   * For a step's folded form (`plan/fold.ts`): the statements this one DO block stands for, the
   * schema history write first (index 0 in its error messages), then the migration's statements.
   */
  readonly folds?: readonly PlannedStatement[];
  /**
   * For a step's folded form: where the DO block's body (settings, statements, schema history write,
   * using the block's variables) is in `sql`, `sql.slice(start, end)` (offsets in characters).
   * Consecutive folded migrations are sent as one call made of their bodies, each committed on its
   * own (`plan/fold-batch.ts`, `run/batch.ts`).
   */
  readonly body?: { readonly start: number; readonly end: number };
  /**
   * Runtime parameters are written into the text as literals, in its first `inlineParamsBefore`
   * characters (a DO block takes no parameters); the rest of the text is left as it is.
   */
  readonly inlineParamsBefore?: number;
  /**
   * What the schema history shows once this statement's step took effect (its version's, or its
   * repeatable migration's, last row has this type and succeeded): how the outcome of a folded step
   * that outlived its Data API call is learned.
   */
  readonly confirm?: StepConfirmation;
  /** A human note for the plan, e.g. what a guard does when it finds something. */
  readonly note?: string;
}

/**
 * How the schema history shows that a step took effect: the last row of `version` (of `name` for a
 * repeatable migration, version '') has this `type` and `checksum`, and succeeded, or, with
 * `statementsApplied`, counts at least that many statements.
 */
export interface StepConfirmation {
  readonly version: string;
  readonly name: string;
  readonly type: string;
  readonly checksum: string;
  readonly statementsApplied?: number;
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
  /**
   * The first step of a resumed migration: its statement may have run before the earlier run stopped
   * (it stopped between the statement and its progress row). A CREATE INDEX CONCURRENTLY whose index
   * exists and is valid is then not run again.
   */
  readonly resumed?: boolean;
  /** A data migration's module runs in this step (its statements are empty): see `data/run-data-migration.ts`. */
  readonly data?: PlannedDataStep;
  /**
   * The transaction step is sent as this one statement, a DO block that runs `statements` in order,
   * in one implicit transaction (`plan/fold.ts`), instead of BeginTransaction, one call per statement
   * and CommitTransaction.
   */
  readonly folded?: PlannedStatement;
}

/** Runs a data migration's `up` or `down` (`data/data-migration.ts`). */
export interface PlannedDataStep {
  /** The module, as the bundle names it (`data.module`). */
  readonly module: string;
  readonly direction: 'up' | 'down';
}

/** What a migration's statements run with, after its directives (`-- rds-migrate:`) and the run's options. */
export interface RunSettings {
  /** Timeouts of its transactions. */
  readonly timeouts: TimeoutOptions;
  /** Retries after a lock timeout; absent: the run's `retry.retries`. */
  readonly retries?: number;
}

export interface PlannedMigration extends RunSettings {
  readonly kind: 'versioned';
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

/**
 * A repeatable migration to (re-)apply: after the versioned migrations, in the bundle's order, each in
 * its own transaction with a schema history row of type `repeatable` (statement by statement when
 * it cannot run in one, the row written at the end).
 */
export interface PlannedRepeatable extends RunSettings {
  readonly kind: 'repeatable';
  /** Always '' (repeatable migrations have no version). */
  readonly version: '';
  readonly name: string;
  readonly direction: 'up';
  readonly repeatable: BundledRepeatable;
  readonly file: string;
  /** `pending`: never applied; `outdated`: its checksum differs from the one last applied. */
  readonly state: 'pending' | 'outdated';
  readonly transactional: boolean;
  readonly resumeAfter: 0;
  readonly priorExecutionMs: 0;
  readonly steps: readonly PlannedStep[];
}

export interface MigrationPlan {
  readonly direction: 'up' | 'down';
  /** Highest applied version before the plan runs (null when none). */
  readonly current: string | null;
  /** Version the plan ends at: the target, or the last migration; `current` when nothing runs. */
  readonly target: string | null;
  readonly migrations: readonly PlannedMigration[];
  /** Repeatable migrations to apply after `migrations` (migrate only; empty for rollback). */
  readonly repeatables: readonly PlannedRepeatable[];
}
