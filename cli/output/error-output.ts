import type { ExitCode } from '../exit-codes';
import type { Colour } from './colour';

/** The `--json` document of a run that failed. */
export interface ErrorDocument {
  readonly error: {
    /** The error class (`LockHeldError`, `MigrationError`, `MigrationCompileError`, `UsageError`, ...). */
    readonly name: string;
    readonly message: string;
    readonly exitCode: ExitCode;
    /** The error's own fields: `problems`, `holder`, `version`, `file`, `line`, `sqlState`, ... */
    readonly [field: string]: unknown;
  };
}

const LEFT_OUT = new Set(['name', 'message', 'stack', 'cause']);

function jsonSafe(value: unknown): boolean {
  if (value === undefined || typeof value === 'function' || typeof value === 'symbol') return false;
  try {
    JSON.stringify(value);
    return true;
  } catch {
    return false;
  }
}

/** PostgreSQL's DETAIL and HINT of the database error behind `error` (itself or a cause). */
export interface DatabaseDetail {
  readonly detail?: string;
  readonly hint?: string;
}

/**
 * The DETAIL and HINT PostgreSQL sent with the error (a `DatabaseError`'s `detail` and `hint`, found on
 * the error or along its `cause` chain, e.g. behind a `MigrationError`): the DETAIL of a unique or
 * check violation names the key column (`Key (email)=(...) already exists.`). Redact the error first
 * (`redactError`) unless row data may be shown: that DETAIL quotes the row's values.
 */
export function databaseDetail(error: unknown): DatabaseDetail {
  const seen = new Set<unknown>();
  for (let e = error; e instanceof Error && !seen.has(e); e = e.cause) {
    seen.add(e);
    const { detail, hint } = e as { detail?: unknown; hint?: unknown };
    if (typeof detail === 'string' || typeof hint === 'string') {
      return { ...(typeof detail === 'string' && detail ? { detail } : {}), ...(typeof hint === 'string' && hint ? { hint } : {}) };
    }
  }
  return {};
}

/**
 * An error as a JSON document: its name, message and exit code, plus the fields its class carries
 * (the engine's errors name the migration, file, line, SQLSTATE, lock holder and problems that way)
 * and PostgreSQL's `detail` and `hint` when a database error is behind it, so scripts need not parse
 * messages.
 */
export function errorDocument(error: unknown, exitCode: ExitCode): ErrorDocument {
  if (!(error instanceof Error)) return { error: { name: 'Error', message: String(error), exitCode } };
  const fields: Record<string, unknown> = { ...databaseDetail(error) };
  for (const [key, value] of Object.entries(error)) {
    if (!LEFT_OUT.has(key) && jsonSafe(value)) fields[key] = value;
  }
  return { error: { ...fields, name: error.name, message: error.message, exitCode } };
}

/**
 * True for a transport failure reaching the target (connection refused or reset, host not found,
 * the Data API unavailable or refusing access): the driver's `DriverError` of kind `unavailable`
 * or `access-denied` (`lambda/driver/errors.ts`).
 */
export function isUnreachable(error: unknown): boolean {
  const e = error as { name?: string; kind?: string } | null;
  return e?.name === 'DriverError' && (e.kind === 'unavailable' || e.kind === 'access-denied');
}

/**
 * An error as text for stderr: `error: <message>` (the library's messages already name the file,
 * line, version, SQLSTATE or lock holder at fault and the way out), prefixed with `context` when
 * given (e.g. `cannot reach <target>`), then PostgreSQL's `detail:` and `hint:` lines when a database
 * error is behind it. With `verbose`, an unexpected error (one that is not a known failure) also gets
 * its stack.
 */
export function errorText(error: unknown, colour: Colour, verbose: boolean, context?: string): string {
  const text = error instanceof Error ? error.message : String(error);
  const message = context ? `${context}: ${text}` : text;
  const { detail, hint } = databaseDetail(error);
  const head = [
    `${colour.red(colour.bold('error:'))} ${message}`,
    ...(detail ? [`  ${colour.dim('detail:')} ${detail}`] : []),
    ...(hint ? [`  ${colour.dim('hint:')} ${hint}`] : []),
  ].join('\n');
  if (verbose && error instanceof Error && error.stack) {
    const stack = error.stack.split('\n').slice(1).join('\n');
    return `${head}\n${colour.dim(stack)}`;
  }
  return head;
}
