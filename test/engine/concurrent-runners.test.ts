/**
 * Several runners migrating one database at once over the Data API (a deploy and an operator's CLI):
 * the lock lease lets one work at a time; the others wait and then find nothing left to do.
 */
import { RDSDataClient } from '@aws-sdk/client-rds-data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataApiDriver } from '../../lambda/driver/data-api/data-api-driver';
import { migrate } from '../../lambda/engine/commands/migrate';
import { LockHeldError } from '../../lambda/engine/errors';
import { startLocalDataApi, type LocalDataApi } from '../../local/data-api/server';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { buildBundle } from './support/bundle';

let db: TestDatabase;
let api: LocalDataApi;
let client: RDSDataClient;

beforeAll(async () => {
  db = await createTestDatabase('engine_concurrent');
  api = await startLocalDataApi({ postgresUrl: db.url });
  client = new RDSDataClient({ ...api.clientConfig(), maxAttempts: 1 });
});
afterAll(async () => {
  client.destroy();
  await api.close();
  await db.drop();
});

const runner = () => new DataApiDriver({ resourceArn: api.resourceArn, secretArn: api.secretArn, database: db.name, client });

const bundle = buildBundle(
  Array.from({ length: 12 }, (_, i) => ({
    version: String(i + 1),
    name: `step_${i + 1}`,
    up: i === 0 ? ['CREATE TABLE counter (n int NOT NULL)', 'INSERT INTO counter VALUES (0)'] : ['UPDATE counter SET n = n + 1', `CREATE TABLE step_${i + 1} (id int)`],
  })),
  [{ name: 'counter_view', up: ['CREATE OR REPLACE VIEW counter_view AS SELECT n FROM counter'] }],
);

describe('concurrent runners', () => {
  it('apply every migration exactly once between them, the waiting ones finding nothing left', async () => {
    const results = await Promise.allSettled(
      ['cfn-deploy', 'cli-alice', 'cli-bob'].map((who) => migrate(runner(), bundle, { appliedBy: who, lock: { waitMs: 30_000, pollMs: 50 } })),
    );
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
    const reports = results.map((r) => (r as PromiseFulfilledResult<Awaited<ReturnType<typeof migrate>>>).value);
    expect(reports.flatMap((r) => r.applied.map((a) => a.version)).sort((a, b) => Number(a) - Number(b))).toEqual(bundle.migrations.map((m) => m.version));
    expect(reports.flatMap((r) => r.repeatables)).toHaveLength(1);
    expect((await db.sql('SELECT n FROM counter')).rows).toEqual([{ n: 11 }]);
    const { rows } = await db.sql('SELECT version, count(*)::int AS n FROM rds_migrate.schema_history GROUP BY version');
    expect(rows.every((r) => r.n === 1)).toBe(true);
    expect(rows).toHaveLength(13);
  });

  it('without waiting, runners that find the lock held fail fast naming the holder; one applies the new migration', async () => {
    const next = buildBundle([...bundle.migrations.map((m) => ({ version: m.version, name: m.name, up: m.up.statements.map((s) => s.sql) })), { version: '13', name: 'slow', up: ['SELECT pg_sleep(0.5)'] }], [
      { name: 'counter_view', up: ['CREATE OR REPLACE VIEW counter_view AS SELECT n FROM counter'] },
    ]);
    const results = await Promise.allSettled(['a', 'b', 'c'].map((who) => migrate(runner(), next, { appliedBy: who })));
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(failed.length).toBeGreaterThanOrEqual(1);
    for (const f of failed) {
      expect(f.reason).toBeInstanceOf(LockHeldError);
      expect(['a', 'b', 'c']).toContain((f.reason as LockHeldError).holder.owner);
    }
    const applied = results.flatMap((r) => (r.status === 'fulfilled' ? r.value.applied.map((a) => a.version) : []));
    expect(applied).toEqual(['13']);
    expect((await db.sql("SELECT count(*)::int AS n FROM rds_migrate.schema_history WHERE version = '13'")).rows[0].n).toBe(1);
  });
});
