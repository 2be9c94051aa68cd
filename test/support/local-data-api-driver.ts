import { RDSDataClient } from '@aws-sdk/client-rds-data';
import { afterAll, beforeAll } from 'vitest';
import { DataApiDriver } from '../../lambda/driver/data-api/data-api-driver';
import { startLocalDataApi, type LocalDataApi } from '../../local/data-api/server';
import { createTestDatabase, type TestDatabase } from './database';

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

/** A test database with a {@link LocalDataApiDriver} open on it, for the tests of a suite. */
export interface LocalDataApiSuite extends Omit<LocalDataApiDriver, 'close'> {
  readonly db: TestDatabase;
}

/**
 * Registers, in the suite it is called in (a test file's top level or a `describe`), a `beforeAll` that
 * creates a test database (`createTestDatabase(database)`), runs `sql` on it (one query, several
 * statements allowed; @default none) and opens a {@link LocalDataApiDriver} on it, and an `afterAll` that
 * closes the driver, its client and the server, then drops the database.
 * @returns the suite's database and driver: fields read once the `beforeAll` has run (in hooks and tests);
 *   read earlier, while the file is collected, they throw an Error naming the field
 */
export function useLocalDataApiDriver(database: string, sql?: string): LocalDataApiSuite {
  let db: TestDatabase | undefined;
  let opened: LocalDataApiDriver | undefined;
  beforeAll(async () => {
    db = await createTestDatabase(database);
    if (sql !== undefined) await db.sql(sql);
    opened = await openLocalDataApiDriver(db);
  });
  afterAll(async () => {
    await opened?.close();
    await db?.drop();
  });
  const ready = <T>(value: T | undefined, field: string): T => {
    if (value === undefined) throw new Error(`local Data API driver: ${field} is read before the suite's beforeAll opened it`);
    return value;
  };
  return {
    get db() {
      return ready(db, 'db');
    },
    get api() {
      return ready(opened, 'api').api;
    },
    get client() {
      return ready(opened, 'client').client;
    },
    get driver() {
      return ready(opened, 'driver').driver;
    },
  };
}
