import pg from 'pg';
import type { TestDatabase } from '../../support/database';

/** What a concurrent writer did. */
export interface WriterStats {
  /** Statements that succeeded. */
  readonly succeeded: number;
  /** The SQLSTATE and message of each that failed. */
  readonly failures: string[];
  /** The longest a statement took, ms: how long a write waited behind a lock, at most. */
  readonly maxLatencyMs: number;
}

/**
 * Runs `sql` over and over on a connection of its own, one statement at a time with `pauseMs` between
 * them, until stopped: the application writing while a migration runs. `sql` gets the iteration
 * number (1, 2, ...) as `$1`.
 * @returns `stop()`, which waits for the statement under way and closes the connection
 */
export function startConcurrentWriter(db: TestDatabase, sql: string, pauseMs = 20): { stop(): Promise<WriterStats> } {
  let stopping = false;
  let succeeded = 0;
  let maxLatencyMs = 0;
  const failures: string[] = [];
  const client = new pg.Client({ connectionString: db.url });
  const loop = (async () => {
    await client.connect();
    for (let i = 1; !stopping; i++) {
      const started = Date.now();
      try {
        await client.query(sql, [i]);
        succeeded++;
      } catch (error) {
        const e = error as { code?: string; message?: string };
        failures.push(`${e.code ?? 'unknown'}: ${e.message ?? String(error)}`);
      }
      maxLatencyMs = Math.max(maxLatencyMs, Date.now() - started);
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
    await client.end();
  })();
  return {
    async stop() {
      stopping = true;
      await loop;
      return { succeeded, failures, maxLatencyMs };
    },
  };
}
