/**
 * Call counters of the local Data API: how many calls of each operation, how many failed, and the
 * bytes of their request and response bodies. Benchmarks read them ("Data API calls per migration");
 * AWS bills per request and per 32 KB of payload, so both counts matter.
 */

/** The Data API operations the local server implements. */
export const DATA_API_OPERATIONS = [
  'ExecuteStatement',
  'BatchExecuteStatement',
  'BeginTransaction',
  'CommitTransaction',
  'RollbackTransaction',
] as const;

export type DataApiOperation = (typeof DATA_API_OPERATIONS)[number];

export interface OperationCounters {
  /** Calls received (including failed and fault-injected ones). */
  readonly calls: number;
  /** Calls answered with an error response (or dropped by a fault). */
  readonly errors: number;
  /** Bytes of request bodies. */
  readonly requestBytes: number;
  /** Bytes of response bodies. */
  readonly responseBytes: number;
}

export interface DataApiCounters extends OperationCounters {
  readonly byOperation: Readonly<Record<DataApiOperation, OperationCounters>>;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const zero = (): Mutable<OperationCounters> => ({ calls: 0, errors: 0, requestBytes: 0, responseBytes: 0 });

/** Mutable counters with a snapshot view. */
export class CallCounters {
  private counts = new Map<DataApiOperation, Mutable<OperationCounters>>();

  constructor() {
    this.reset();
  }

  /** Records one call. */
  record(operation: DataApiOperation, call: { failed: boolean; requestBytes: number; responseBytes: number }): void {
    const c = this.counts.get(operation)!;
    c.calls += 1;
    if (call.failed) c.errors += 1;
    c.requestBytes += call.requestBytes;
    c.responseBytes += call.responseBytes;
  }

  /** A copy of the current counts: totals and per operation. */
  snapshot(): DataApiCounters {
    const byOperation = Object.fromEntries(DATA_API_OPERATIONS.map((op) => [op, { ...this.counts.get(op)! }])) as Record<
      DataApiOperation,
      OperationCounters
    >;
    const total = zero();
    for (const c of Object.values(byOperation)) {
      total.calls += c.calls;
      total.errors += c.errors;
      total.requestBytes += c.requestBytes;
      total.responseBytes += c.responseBytes;
    }
    return { ...total, byOperation };
  }

  /** Sets every count back to zero. */
  reset(): void {
    this.counts = new Map(DATA_API_OPERATIONS.map((op) => [op, zero()]));
  }
}
