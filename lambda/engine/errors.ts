/**
 * The engine's errors. Each names the migration, file and line at fault and says what was left applied,
 * so the operator can act without reading logs.
 */
import { DatabaseError, DriverError } from '../driver/errors';

/** Why the schema history does not allow a command to start (see `status/validate.ts`). */
export interface HistoryProblem {
  readonly kind: 'changed' | 'failed' | 'missing' | 'out-of-order' | 'no-down' | 'not-in-bundle' | 'not-empty';
  readonly version: string;
  /** The file at fault, e.g. `0022_add_ocr_indexes/up.sql`, when there is one. */
  readonly file?: string;
  /** What the schema history recorded (a checksum for `changed`). */
  readonly expected?: string;
  /** What the bundle has instead. */
  readonly found?: string;
  /** One sentence naming the problem and the way out. */
  readonly message: string;
}

/** A command refused to start: nothing was run or written. */
export class HistoryValidationError extends Error {
  override readonly name = 'HistoryValidationError';
  constructor(
    readonly command: string,
    readonly problems: readonly HistoryProblem[],
  ) {
    super(`${command} refused, nothing was changed:\n${problems.map((p) => `- ${p.message}`).join('\n')}`);
  }
}

/** Where a failing statement came from. */
export interface StatementSource {
  /** e.g. `0022_add_ocr_indexes/up.sql`, or `schema history` for the engine's own writes. */
  readonly file: string;
  /** 1-based line in `file` where the statement starts (0 for the engine's own statements). */
  readonly line: number;
  /** 1-based position of the statement in the script (0 for the engine's own statements). */
  readonly statement: number;
}

export interface MigrationErrorDetails extends StatementSource {
  /** The version; '' for a repeatable migration (then `name` is its description). */
  readonly version: string;
  readonly name: string;
  readonly direction: 'up' | 'down';
  /** Versions completed (applied, or reverted for `down`) by this run before the failure. */
  readonly completed: readonly string[];
  /**
   * For a non-transactional migration: statements of the failing script that stayed applied (for up,
   * its schema history row has success = false and this count, so migrate resumes after them).
   * 0 for a transactional migration: its transaction was rolled back and left nothing.
   */
  readonly statementsLeftApplied: number;
  /** Attempts made (more than 1 after lock timeout retries). */
  readonly attempts: number;
  /**
   * What was left applied, when the statement count does not say it: a data migration's checkpointed
   * batches, or a step whose outcome is unknown. Replaces the sentence built from `statementsLeftApplied`.
   */
  readonly leftApplied?: string;
  readonly cause: unknown;
}

/** A migration failed while running. */
export class MigrationError extends Error {
  override readonly name = 'MigrationError';
  readonly version: string;
  readonly migrationName: string;
  readonly direction: 'up' | 'down';
  readonly file: string;
  readonly line: number;
  readonly statement: number;
  /** SQLSTATE of the PostgreSQL error (PostgreSQL docs, Appendix A), when the database raised one. */
  readonly sqlState: string | undefined;
  /** PostgreSQL's message (or the driver's), without our context. */
  readonly databaseMessage: string;
  readonly completed: readonly string[];
  readonly statementsLeftApplied: number;
  readonly attempts: number;

  constructor(details: MigrationErrorDetails) {
    const cause = details.cause;
    const databaseMessage = cause instanceof Error ? cause.message : String(cause);
    const sqlState = cause instanceof DatabaseError ? cause.sqlState : undefined;
    const code = sqlState ? `SQLSTATE ${sqlState}` : cause instanceof DriverError ? `driver error ${cause.kind}` : 'error';
    const where = details.line > 0 ? `${details.file} line ${details.line}, statement ${details.statement}` : details.file;
    const left =
      details.leftApplied !== undefined
        ? details.leftApplied
        : details.statementsLeftApplied === 0
          ? `nothing of ${details.version || details.name} was ${details.direction === 'up' ? 'applied' : 'reverted'}`
          : details.direction === 'up'
            ? `${details.version} is partly applied: its first ${details.statementsLeftApplied} statement(s) ran; the next migrate resumes after them`
            : `${details.version} is partly reverted: its first ${details.statementsLeftApplied} down statement(s) ran and are not recorded; check the database before running rollback again`;
    const completed = details.completed.length > 0 ? details.completed.join(', ') : 'none';
    const verb = details.direction === 'up' ? 'Applied' : 'Reverted';
    const attempts = details.attempts > 1 ? ` after ${details.attempts} attempts` : '';
    const subject = details.version === '' ? `Repeatable migration ${details.name}` : `Migration ${details.version} (${details.name})`;
    super(
      `${subject} failed at ${where}${attempts}: ${code}: ${databaseMessage}. ` +
        `${verb} before the failure in this run: ${completed}; ${left}.`,
      { cause },
    );
    this.version = details.version;
    this.migrationName = details.name;
    this.direction = details.direction;
    this.file = details.file;
    this.line = details.line;
    this.statement = details.statement;
    this.sqlState = sqlState;
    this.databaseMessage = databaseMessage;
    this.completed = details.completed;
    this.statementsLeftApplied = details.statementsLeftApplied;
    this.attempts = details.attempts;
  }
}

/** Who holds the lock lease. Times are ISO 8601 UTC from the database clock. */
export interface LockHolder {
  readonly owner: string;
  readonly acquiredAt: string;
  readonly expiresAt: string;
  readonly heartbeatAt: string;
}

/** Another runner holds the lock lease. */
export class LockHeldError extends Error {
  override readonly name = 'LockHeldError';
  constructor(
    readonly holder: LockHolder,
    /** How long we waited before giving up, ms. */
    readonly waitedMs: number,
  ) {
    super(
      `The migration lock is held by ${JSON.stringify(holder.owner)} since ${holder.acquiredAt} ` +
        `(lease expires ${holder.expiresAt} unless renewed; waited ${waitedMs} ms). ` +
        'Wait for it to finish, or run unlock if that runner is gone.',
    );
  }
}

/** Our lock lease expired or was taken over while we were working. */
export class LockLostError extends Error {
  override readonly name = 'LockLostError';
  constructor(readonly owner: string) {
    super(
      `The migration lock of ${JSON.stringify(owner)} was lost (expired and taken over, or force-released), ` +
        'or a schema history row it was about to update is gone; stopped before writing further.',
    );
  }
}
