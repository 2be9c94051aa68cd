/**
 * The catalog checks cost a constant number of Data API calls, whatever the number of objects: the
 * whole verification runs through DataApiDriver, the real SDK client and the local Data API over
 * PostgreSQL, and the calls are read from the local Data API's counters.
 *
 * Measured: 10 calls for a verification without verify scripts, for 1,200 objects as for 48: 1 schema
 * history read + 9 for the catalog checks (drift 4: BeginTransaction, SET LOCAL, the comparison,
 * Commit; invalid-index, not-valid-constraint, lock, sequence-capacity, index-usage 1 each).
 */
import { RDSDataClient } from '@aws-sdk/client-rds-data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMigrate } from '../../lambda/actions/migrate-action';
import { DataApiDriver } from '../../lambda/driver/data-api/data-api-driver';
import type { MigrationBundle } from '../../lambda/migrations/bundle';
import { collectFingerprint } from '../../lambda/verify/fingerprint/collect-fingerprint';
import { recordFingerprint } from '../../lambda/verify/fingerprint/record-fingerprint';
import { runVerification } from '../../lambda/verify/run-verification';
import { startLocalDataApi, type LocalDataApi } from '../../local/data-api/server';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { largeSchemaBundle, largeSchemaObjects } from './support/large-schema';
import { actionContext, failingOf } from './support/fixture';

/** Catalog checks' calls, at most (the issue's budget). */
const MAX_CATALOG_CALLS = 10;
/** Calls of a verification besides the catalog checks: the schema history read. */
const HISTORY_CALLS = 1;

interface Setup {
  db: TestDatabase;
  api: LocalDataApi;
  client: RDSDataClient;
  driver: DataApiDriver;
  bundle: MigrationBundle;
}

async function setUp(tables: number): Promise<Setup> {
  const db = await createTestDatabase(`verify_calls_${tables}`);
  const api = await startLocalDataApi({ postgresUrl: db.url });
  const client = new RDSDataClient({ ...api.clientConfig(), maxAttempts: 1 });
  const driver = new DataApiDriver({ resourceArn: api.resourceArn, secretArn: api.secretArn, database: db.name, client });
  const bundle = largeSchemaBundle(tables);
  const migrated = await runMigrate(actionContext(driver, bundle));
  expect(migrated.ok).toBe(true);
  return { db, api, client, driver, bundle };
}

async function tearDown(s: Setup | undefined): Promise<void> {
  if (!s) return;
  await s.driver.close();
  s.client.destroy();
  await s.api.close();
  await s.db.drop();
}

/** Runs a verification and returns it with the Data API calls it made. */
async function measured(s: Setup) {
  s.api.resetCounters();
  const report = await runVerification(s.driver, s.bundle);
  const counters = s.api.counters;
  return { report, calls: counters.calls, errors: counters.errors, responseBytes: counters.responseBytes, byOperation: counters.byOperation };
}

let large: Setup | undefined;
let small: Setup | undefined;
beforeAll(async () => {
  large = await setUp(100);
  small = await setUp(4);
});
afterAll(async () => {
  await tearDown(large);
  await tearDown(small);
});

describe('Data API calls of the verification', () => {
  it(`stay at ${HISTORY_CALLS} + 9 for a schema of 1,200 objects, as for a small one`, async () => {
    const live = await collectFingerprint(large!.driver);
    expect(Object.keys(live.objects)).toHaveLength(largeSchemaObjects(100));
    expect(Object.keys(live.objects).length).toBeGreaterThanOrEqual(1000);

    const big = await measured(large!);
    expect(big.report.ok).toBe(true);
    expect(failingOf(big.report, 'drift')).toEqual([]);
    expect(big.errors).toBe(0);
    expect(big.calls - HISTORY_CALLS).toBeLessThanOrEqual(MAX_CATALOG_CALLS);
    expect(big.calls).toBe(HISTORY_CALLS + 9);
    expect(big.byOperation).toMatchObject({
      ExecuteStatement: { calls: 8 },
      BeginTransaction: { calls: 1 },
      CommitTransaction: { calls: 1 },
    });

    const little = await measured(small!);
    expect(Object.keys((await collectFingerprint(small!.driver)).objects)).toHaveLength(largeSchemaObjects(4));
    expect(little.calls).toBe(big.calls);
  });

  it('stay the same when objects drifted, and the response stays small', async () => {
    await large!.db.sql('DROP INDEX t50_parent_idx; ALTER TABLE t77 ADD COLUMN extra integer; CREATE OR REPLACE VIEW v10 AS SELECT id, amount FROM t10 WHERE amount > 1');
    const drifted = await measured(large!);
    expect(drifted.calls).toBe(HISTORY_CALLS + 9);
    expect(failingOf(drifted.report, 'drift').map((c) => [c.kind, c.object])).toEqual([
      ['added', 'column public.t77.extra'],
      ['removed', 'index public.t50_parent_idx'],
      ['changed', 'view public.v10'],
    ]);
    expect(drifted.responseBytes).toBeLessThan(64 * 1024);
  });

  it('collect the live fingerprint in pages that each stay under the byte budget', async () => {
    large!.api.resetCounters();
    const whole = await collectFingerprint(large!.driver);
    expect(large!.api.counters.calls).toBe(4);
    large!.api.resetCounters();
    const paged = await collectFingerprint(large!.driver, { pageBytes: 20_000 });
    const pages = large!.api.counters.byOperation.ExecuteStatement.calls - 1; // minus SET LOCAL
    expect(pages).toBeGreaterThan(5);
    expect(large!.api.counters.responseBytes / pages).toBeLessThan(3 * 20_000);
    expect(Object.keys(paged.objects)).toEqual(Object.keys(whole.objects));
    expect(paged).toEqual(whole);
  });

  it('record a fingerprint of 1,200 objects in 5 calls', async () => {
    large!.api.resetCounters();
    const recorded = await recordFingerprint(large!.driver, { version: '1', recordedBy: 'test' });
    expect(recorded.objectCount).toBe(largeSchemaObjects(100) + 1 - 1); // the drifted schema: +1 column, -1 index
    expect(large!.api.counters.calls).toBe(5);
  });
});
