/**
 * The logging seam of the library code (engine, snapshot, verification): they log through this small
 * interface so they stay usable from the CLI and tests. In the function it is the Powertools Logger
 * (structured JSON with the run id on every line); the CLI passes its own; tests pass `silentLog` or a
 * capturing one.
 *
 * Never log row data or secrets: log counts, names, keys and durations.
 */
export interface Log {
  debug(message: string, extra?: Record<string, unknown>): void;
  info(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown>): void;
}

/** A Log that drops everything. */
export const silentLog: Log = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
