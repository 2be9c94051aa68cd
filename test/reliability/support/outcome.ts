/**
 * How an invocation ended, and whether it "crashed": failed without a clear report. The function may
 * refuse or fail a run, but it must say why with an Error naming what is wrong; a crash is anything
 * else: a rejection with a non-Error, an empty message, or a programming error escaping (TypeError,
 * ReferenceError, RangeError, SyntaxError: a property read on undefined, a stack overflow, a string
 * too long), which tells the operator nothing about the input at fault.
 */
export type Outcome<T = unknown> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: unknown };

/** Awaits `promise` and says how it ended, never throwing. */
export async function settle<T>(promise: Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await promise };
  } catch (error) {
    return { ok: false, error };
  }
}

const PROGRAMMING_ERRORS = ['TypeError', 'ReferenceError', 'RangeError', 'SyntaxError', 'EvalError', 'URIError'];

/**
 * Why `error` is a crash rather than a report, or undefined when it is a report (an Error with a
 * message of its own). JSON.parse's SyntaxError for a malformed file is wrapped by the code that reads
 * the file, so a bare one escaping counts as a crash too.
 */
export function crashReason(error: unknown): string | undefined {
  if (!(error instanceof Error)) return `rejected with a non-Error: ${String(error)}`;
  if (error.message.trim() === '') return `${error.name} without a message`;
  if (PROGRAMMING_ERRORS.includes(error.constructor.name) || PROGRAMMING_ERRORS.includes(error.name)) {
    return `programming error escaped: ${error.name}: ${error.message.slice(0, 200)}`;
  }
  return undefined;
}
