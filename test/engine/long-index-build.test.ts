/**
 * A CREATE INDEX CONCURRENTLY that outlives its Data API call (the local Data API's statement wait is
 * shortened to 300 ms; the real one is 45 s): the build goes on on the server and migrate waits for it.
 */
import { RDSDataClient } from '@aws-sdk/client-rds-data';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DataApiDriver } from '../../lambda/driver/data-api/data-api-driver';
import { DriverError } from '../../lambda/driver/errors';
import { migrate } from '../../lambda/engine/commands/migrate';
import { MigrationError } from '../../lambda/engine/errors';
import { startLocalDataApi, type LocalDataApi } from '../../local/data-api/server';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { buildBundle } from './support/bundle';

let db: TestDatabase;
let api: LocalDataApi;
let client: RDSDataClient;
let driver: DataApiDriver;
let writer: pg.Client;

beforeEach(async () => {
  db = await createTestDatabase('engine_long_index');
  await db.sql("CREATE TABLE rotation (id bigint PRIMARY KEY, pg_id text); INSERT INTO rotation VALUES (1, 'a'), (2, 'b'), (3, 'b')");
  api = await startLocalDataApi({ postgresUrl: db.url, statementWaitMs: 300 });
  client = new RDSDataClient({ ...api.clientConfig(), maxAttempts: 1 });
  driver = new DataApiDriver({ resourceArn: api.resourceArn, secretArn: api.secretArn, database: db.name, client });
  // An application transaction still writing: CREATE INDEX CONCURRENTLY waits for it to end.
  writer = new pg.Client({ connectionString: db.url });
  await writer.connect();
  await writer.query('BEGIN');
  await writer.query("INSERT INTO rotation VALUES (4, 'c')");
});
afterEach(async () => {
  await writer.end().catch(() => undefined);
  await driver.close();
  client.destroy();
  await api.close();
  await db.drop();
});

/** Commits the writer once the index build has waited on it for longer than the call wait. */
async function commitWriterOnceBuildWaits(): Promise<void> {
  for (;;) {
    const { rows } = await db.sql("SELECT count(*)::int AS n FROM pg_stat_progress_create_index WHERE phase LIKE 'waiting for writers%'");
    if (rows[0].n > 0) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  await new Promise((r) => setTimeout(r, 700));
  await writer.query('COMMIT');
}

async function index(name: string) {
  const { rows } = await db.sql('SELECT i.indisvalid AS valid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = $1', [name]);
  return rows[0] ?? null;
}

describe('CREATE INDEX CONCURRENTLY past the Data API call wait', () => {
  it('waits for the build to finish on the server and records the migration', async () => {
    const bundle = buildBundle([{ version: '1', name: 'rotation_dates', up: ['CREATE INDEX CONCURRENTLY idx_rotation_pg ON rotation (pg_id)'] }]);
    const committed = commitWriterOnceBuildWaits();
    const report = await migrate(driver, bundle, { appliedBy: 'cfn', longStatements: { pollMs: 100, maxWaitMs: 20_000 } });
    await committed;
    expect(report.applied).toMatchObject([{ version: '1', statements: 1 }]);
    expect(await index('idx_rotation_pg')).toEqual({ valid: true });
    const { rows } = await db.sql('SELECT success, statements_applied FROM rds_migrate.schema_history');
    expect(rows).toEqual([{ success: true, statements_applied: 1 }]);
  });

  it('reports a build that failed on the server after the call ended, and rebuilds it on the next run', async () => {
    const bundle = buildBundle([{ version: '1', name: 'unique_pg', up: ['CREATE UNIQUE INDEX CONCURRENTLY idx_rotation_pg_key ON rotation (pg_id)'] }]);
    const committed = commitWriterOnceBuildWaits();
    const error = await migrate(driver, bundle, { appliedBy: 'cfn', longStatements: { pollMs: 100, maxWaitMs: 20_000 } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationError);
    await committed;
    expect((error as MigrationError).message).toContain('failed on the server after the call wait ended and left it INVALID');
    expect(await index('idx_rotation_pg_key')).toEqual({ valid: false });

    await db.sql("UPDATE rotation SET pg_id = 'd' WHERE id = 3");
    await migrate(driver, bundle, { appliedBy: 'cfn' });
    expect(await index('idx_rotation_pg_key')).toEqual({ valid: true });
  });

  it('gives up after maxWaitMs, saying the build goes on', async () => {
    const bundle = buildBundle([{ version: '1', name: 'rotation_dates', up: ['CREATE INDEX CONCURRENTLY idx_rotation_pg ON rotation (pg_id)'] }]);
    const error = await migrate(driver, bundle, { appliedBy: 'cfn', longStatements: { pollMs: 100, maxWaitMs: 500 } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as MigrationError).message).toMatch(/1_rotation_dates\/up\.sql line 1 is still running on the server after \d+ ms; it goes on there/);
    expect((error as MigrationError).statementsLeftApplied).toBe(0);
    await writer.query('COMMIT');
  });

  it('without the wait, the call ends with the Data API statement timeout', async () => {
    // What the engine waits through: the driver's error for the call.
    const failure = await driver
      .execute('CREATE INDEX CONCURRENTLY idx_rotation_raw ON rotation (pg_id)', undefined, { continueAfterTimeout: true })
      .catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(DriverError);
    expect((failure as DriverError).kind).toBe('statement-timeout');
    await writer.query('COMMIT');
  });
});
