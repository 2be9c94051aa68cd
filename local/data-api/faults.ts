/**
 * The fault-injection seam of the local Data API, for reliability tests: a hook consulted before each
 * call that may delay it, answer it with an error of its choosing (DatabaseResumingException,
 * ServiceUnavailableError, ...) or drop the connection without an answer.
 */
import type { DataApiOperation } from './counters';

export interface FaultContext {
  readonly operation: DataApiOperation;
  /** The request body as parsed JSON (undefined when it is not JSON). */
  readonly request: unknown;
  /** 1-based number of this call since the server started (across operations). */
  readonly call: number;
}

export interface FaultAction {
  /** Wait this long (ms) before going on (with the other members, or with the real call). */
  readonly delayMs?: number;
  /**
   * Answer with this error instead of running the call. `status` defaults to the status AWS uses for
   * `name` (see `service-error.ts`), or 500 for a name it does not list.
   */
  readonly error?: { readonly name: string; readonly status?: number; readonly message?: string };
  /** Close the connection without answering (the client sees a socket error). */
  readonly dropConnection?: boolean;
}

/** Decides the fault for one call; undefined (or `{}`) lets the call run normally. */
export type FaultHook = (context: FaultContext) => FaultAction | undefined | Promise<FaultAction | undefined>;
