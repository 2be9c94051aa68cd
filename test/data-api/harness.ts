import { ExecuteStatementCommand, RDSDataClient, type ExecuteStatementCommandInput, type ExecuteStatementCommandOutput } from '@aws-sdk/client-rds-data';
import { startLocalDataApi, type LocalDataApi, type LocalDataApiOptions } from '../../local/data-api/server';
import { createTestDatabase, type TestDatabase } from '../support/database';

/** A test database, the local Data API over it, and an SDK client pointed at it (no SDK retries). */
export interface DataApiHarness {
  readonly db: TestDatabase;
  readonly api: LocalDataApi;
  readonly client: RDSDataClient;
  /** resourceArn + secretArn + the test database, to spread into a command input. */
  readonly target: { resourceArn: string; secretArn: string; database: string };
  /** ExecuteStatement with the target filled in. */
  execute(sql: string, input?: Partial<ExecuteStatementCommandInput>): Promise<ExecuteStatementCommandOutput>;
  /** The error an SDK call rejects with (fails the test when it resolves). */
  failure(call: Promise<unknown>): Promise<ServiceFailure>;
  close(): Promise<void>;
}

/** What the SDK reports for an error response. */
export interface ServiceFailure extends Error {
  readonly $metadata?: { httpStatusCode?: number };
  readonly dbConnectionId?: number;
}

/** Resolves once a statement containing `marker` is running on `db` (polls pg_stat_activity every 20 ms, up to 10 s). */
export async function untilRunning(db: TestDatabase, marker: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const { rows } = await db.sql(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE state = 'active' AND pid <> pg_backend_pid() AND position($1 in query) > 0`,
      [marker],
    );
    if (rows[0].n > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`no running statement contains ${marker}`);
}

export async function startHarness(prefix: string, options: Partial<LocalDataApiOptions> = {}): Promise<DataApiHarness> {
  const db = await createTestDatabase(prefix);
  const api = await startLocalDataApi({ postgresUrl: db.url, ...options });
  const client = new RDSDataClient({ ...api.clientConfig(), maxAttempts: 1 });
  // The database is named, as real clients do: one without it lands in the database named like the user.
  const target = { resourceArn: api.resourceArn, secretArn: api.secretArn, database: api.database };
  return {
    db,
    api,
    client,
    target,
    execute: (sql, input = {}) => client.send(new ExecuteStatementCommand({ ...target, sql, ...input })),
    async failure(call) {
      try {
        await call;
      } catch (error) {
        // The raw HTTP response makes assertion failures unreadable.
        if (error && typeof error === 'object' && '$response' in error) Object.defineProperty(error, '$response', { enumerable: false });
        return error as ServiceFailure;
      }
      throw new Error('expected the call to fail, it succeeded');
    },
    async close() {
      client.destroy();
      await api.close();
      await db.drop();
    },
  };
}
