/**
 * The exit codes of `rds-migrate`, the same for every command, so scripts and CI can branch on them.
 * They are printed at the end of `rds-migrate --help` and of every command's `--help`.
 *
 * | code | meaning                                                                                   |
 * |------|-------------------------------------------------------------------------------------------|
 * | 0    | success                                                                                   |
 * | 1    | failure: a migration or snapshot failed, the database or AWS could not be reached, lint   |
 * |      | found errors, or anything unexpected                                                      |
 * | 2    | verification failed: a verify script or built-in check did not pass (migrate, verify)     |
 * | 3    | lock held: another runner holds the migration lock (wait, or `rds-migrate unlock`)        |
 * | 4    | bad input: unknown command or flag, bad flag value (version, URL, snapshot id), migration |
 * |      | files the compiler rejects, a lint configuration error, or a schema history that refuses |
 * |      | the command (changed checksum, out-of-order or missing version), or a baseline that a    |
 * |      | verify script refutes: nothing was changed                                                |
 */
export const ExitCode = {
  Success: 0,
  Failure: 1,
  VerificationFailed: 2,
  LockHeld: 3,
  BadInput: 4,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/**
 * Exit code for an error, by its `name`: every error class of the engine, the compiler, the linter,
 * the snapshot module and the function sets `name`, and the Lambda runtime reports it as `errorType`,
 * so the same table serves local runs and `rds-migrate invoke`. Names not listed are failures (1).
 */
const EXIT_CODE_BY_ERROR_NAME: Readonly<Record<string, ExitCode>> = {
  // lambda/engine/errors.ts
  LockHeldError: ExitCode.LockHeld,
  HistoryValidationError: ExitCode.BadInput,
  // lambda/migrations/compile-error.ts: a migrations folder or SQL file the compiler rejects
  MigrationCompileError: ExitCode.BadInput,
  // lambda/lint/lint-config.ts
  LintConfigError: ExitCode.BadInput,
  // lambda/actions/baseline-action.ts: a verify script proved the database lacks a change to baseline
  BaselineRefusedError: ExitCode.BadInput,
  // lambda/actions/snapshot-action.ts: snapshot asked for without a bucket
  SnapshotsDisabledError: ExitCode.BadInput,
  // lambda/snapshot/manifest-store.ts: no manifest for the snapshot id given
  SnapshotNotFoundError: ExitCode.BadInput,
  // lambda/events/parse-event.ts: the deployed function refused the event (invoke)
  InvalidEventError: ExitCode.BadInput,
  // cli/usage-error.ts: bad flags or arguments found by the CLI itself
  UsageError: ExitCode.BadInput,
};

/** Exit code for an error name (an `Error.name`, or a Lambda `errorType`). */
export function exitCodeForErrorName(name: string | undefined): ExitCode {
  return (name !== undefined && EXIT_CODE_BY_ERROR_NAME[name]) || ExitCode.Failure;
}

/** Exit code for anything a command threw (see {@link exitCodeForErrorName}). */
export function exitCodeForError(error: unknown): ExitCode {
  return exitCodeForErrorName(error instanceof Error ? error.name : undefined);
}

/** The exit code table as help text, appended to every `--help`. */
export const EXIT_CODES_HELP = `Exit codes:
  0  success
  1  failure (a migration or snapshot failed, database or AWS unreachable, lint errors)
  2  verification failed (a verify script or built-in check did not pass)
  3  lock held (another runner holds the migration lock: wait, or run unlock)
  4  bad input (unknown command or flag, bad value, migration files rejected,
     schema history refuses the command); nothing was changed`;
