import { RDSDataClient } from '@aws-sdk/client-rds-data';
import { DataApiDriver } from '../../lambda/driver/data-api/data-api-driver';
import { startLocalDataApi, type LocalDataApi } from '../../local/data-api/server';
import type { TestDatabase } from './database';

/** The local Data API over a test database, the SDK client on it and a {@link DataApiDriver} on that. */
export interface LocalDataApiDriver {
  readonly api: LocalDataApi;
  readonly client: RDSDataClient;
  readonly driver: DataApiDriver;
  /** Closes the driver, the client and the server (the database stays: the test drops it). */
  close(): Promise<void>;
}

/**
 * Starts the local Data API over `db` and opens a driver on `db` through the real
 * `@aws-sdk/client-rds-data` client, with `maxAttempts: 1`: the SDK retries nothing, so what a test
 * sees of a fault is what the engine's own retries make of it.
 */
export async function openLocalDataApiDriver(db: TestDatabase): Promise<LocalDataApiDriver> {
  const api = await startLocalDataApi({ postgresUrl: db.url });
  const client = new RDSDataClient({ ...api.clientConfig(), maxAttempts: 1 });
  const driver = new DataApiDriver({ resourceArn: api.resourceArn, secretArn: api.secretArn, database: db.name, client });
  return {
    api,
    client,
    driver,
    async close() {
      await driver.close();
      client.destroy();
      await api.close();
    },
  };
}
