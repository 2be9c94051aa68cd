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

/**
 * An error as a JSON document: its name, message and exit code, plus the fields its class carries
 * (the engine's errors name the migration, file, line, SQLSTATE, lock holder and problems that way),
 * so scripts need not parse messages.
 */
export function errorDocument(error: unknown, exitCode: ExitCode): ErrorDocument {
  if (!(error instanceof Error)) return { error: { name: 'Error', message: String(error), exitCode } };
  const fields: Record<string, unknown> = {};
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
 * given (e.g. `cannot reach <target>`). With `verbose`, an unexpected error (one that is not a known
 * failure) also gets its stack.
 */
export function errorText(error: unknown, colour: Colour, verbose: boolean, context?: string): string {
  const text = error instanceof Error ? error.message : String(error);
  const message = context ? `${context}: ${text}` : text;
  const head = `${colour.red(colour.bold('error:'))} ${message}`;
  if (verbose && error instanceof Error && error.stack) {
    const stack = error.stack.split('\n').slice(1).join('\n');
    return `${head}\n${colour.dim(stack)}`;
  }
  return head;
}
