import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrate } from '../../lambda/engine/commands/migrate';
import { unlock } from '../../lambda/engine/commands/unlock';
import { LockHeldError, LockLostError, MigrationError } from '../../lambda/engine/errors';
import { ensureSchemaHistory } from '../../lambda/engine/history/ensure';
import { historyTables } from '../../lambda/engine/history/tables';
import { acquireLease, type Lease } from '../../lambda/engine/lock/lease';
import { silentLog } from '../../lambda/observability/log';
import type { PgDriver } from '../../lambda/driver/pg/pg-driver';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { buildBundle } from './support/bundle';
import { captureLog } from './support/capture-log';

let db: TestDatabase;
let driver: PgDriver;
const tables = historyTables();
const bundle = buildBundle([
  { version: '1', name: 'create_feedback', up: ['CREATE TABLE feedback (id bigint PRIMARY KEY, confidence_score float8)'] },
  { version: '2', name: 'add_type', up: ["ALTER TABLE feedback ADD COLUMN feedback_type text NOT NULL DEFAULT 'grammar'"] },
]);

beforeEach(async () => {
  db = await createTestDatabase('engine_lock');
  driver = db.driver();
  await ensureSchemaHistory(driver);
});
afterEach(() => db.drop());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function historyCount(): Promise<number> {
  return (await db.sql('SELECT count(*)::int AS n FROM rds_migrate.schema_history')).rows[0].n;
}

describe('lock lease', () => {
  it('makes a second runner fail fast, naming the holder, without migrating', async () => {
    const held = await acquireLease(driver, tables, 'deploy-42 (CloudFormation)', silentLog);
    const error = await migrate(driver, bundle, { appliedBy: 'cli' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LockHeldError);
    expect((error as LockHeldError).holder.owner).toBe('deploy-42 (CloudFormation)');
    expect((error as Error).message).toMatch(/held by "deploy-42 \(CloudFormation\)" since \d{4}-.*unlock/);
    expect(await historyCount()).toBe(0);
    await held.release();
    expect((await migrate(driver, bundle, { appliedBy: 'cli' })).applied).toHaveLength(2);
  });

  it('lets a second runner wait, bounded, for the lock', async () => {
    const held = await acquireLease(driver, tables, 'first', silentLog);
    const started = Date.now();
    const timedOut = await migrate(driver, bundle, { appliedBy: 'second', lock: { waitMs: 300, pollMs: 50 } }).catch((e: unknown) => e);
    expect(timedOut).toBeInstanceOf(LockHeldError);
    expect((timedOut as LockHeldError).waitedMs).toBeGreaterThanOrEqual(300);
    expect(Date.now() - started).toBeLessThan(2000);

    setTimeout(() => void held.release(), 200);
    const report = await migrate(driver, bundle, { appliedBy: 'second', lock: { waitMs: 5000, pollMs: 50 } });
    expect(report.applied).toHaveLength(2);
  });

  it('lets exactly one of two concurrent runners migrate', async () => {
    const other = db.driver();
    const results = await Promise.allSettled([
      migrate(driver, bundle, { appliedBy: 'a' }),
      migrate(other, bundle, { appliedBy: 'b' }),
    ]);
    const fulfilled = results.filter((r) => r.status === 'fulfilled');
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    // Either the second started after the first finished (both fine, one applies nothing) or it lost the race.
    expect(fulfilled.length).toBeGreaterThanOrEqual(1);
    for (const r of rejected) expect(r.reason).toBeInstanceOf(LockHeldError);
    expect(fulfilled.reduce((n, r) => n + (r.status === 'fulfilled' ? r.value.applied.length : 0), 0)).toBe(2);
    const { rows } = await db.sql('SELECT version, count(*)::int AS n FROM rds_migrate.schema_history GROUP BY version ORDER BY version');
    expect(rows).toEqual([{ version: '1', n: 1 }, { version: '2', n: 1 }]);
  });

  it('takes over an expired lease and says so', async () => {
    await db.sql(
      `INSERT INTO rds_migrate.lock (id, owner, token, acquired_at, expires_at, heartbeat_at)
       VALUES (1, 'crashed-lambda', 'old-token', now() - interval '10 minutes', now() - interval '1 minute', now() - interval '2 minutes')`,
    );
    const log = captureLog();
    const report = await migrate(driver, bundle, { appliedBy: 'cli', log });
    expect(report.applied).toHaveLength(2);
    expect(log.lines).toContainEqual(expect.objectContaining({ level: 'warn', message: 'took over an expired migration lock', extra: expect.objectContaining({ previousOwner: 'crashed-lambda' }) }));
  });

  it('renews the lease with heartbeats and releases it', async () => {
    const lease = await acquireLease(driver, tables, 'long-runner', silentLog, { leaseMs: 1000, heartbeatMs: 100 });
    const before = (await db.sql('SELECT expires_at, acquired_at FROM rds_migrate.lock')).rows[0];
    await sleep(1300);
    const after = (await db.sql('SELECT expires_at, heartbeat_at, acquired_at, expires_at > now() AS live FROM rds_migrate.lock')).rows[0];
    expect(after.live).toBe(true);
    expect(after.expires_at.getTime()).toBeGreaterThan(before.expires_at.getTime() + 900);
    expect(after.acquired_at.getTime()).toBe(before.acquired_at.getTime());
    expect(lease.lost).toBe(false);
    await lease.release();
    expect((await db.sql('SELECT count(*)::int AS n FROM rds_migrate.lock')).rows[0].n).toBe(0);
  });

  it('unlock force-releases and returns the holder; the holder notices at its next heartbeat', async () => {
    expect(await unlock(driver)).toBeNull();
    const lease = await acquireLease(driver, tables, 'stuck-cli', silentLog, { leaseMs: 1000, heartbeatMs: 50 });
    const holder = await unlock(driver);
    expect(holder).toMatchObject({ owner: 'stuck-cli' });
    expect(holder!.expiresAt > holder!.acquiredAt).toBe(true);
    await sleep(200);
    expect(lease.lost).toBe(true);
    expect(() => lease.assertHeld()).toThrow(LockLostError);
    await lease.release();
  });

  it('fences schema history writes: a runner whose lease was taken records nothing', async () => {
    let newRunner: Lease | undefined;
    const error = await migrate(driver, bundle, {
      appliedBy: 'slow-runner',
      lock: { leaseMs: 60_000 },
      beforeApply: async () => {
        // Someone force-unlocks while we take the snapshot, and another runner takes the lock.
        await unlock(driver);
        newRunner = await acquireLease(db.driver(), tables, 'new-runner', silentLog);
      },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as MigrationError).cause).toBeInstanceOf(LockLostError);
    expect((error as MigrationError).version).toBe('1');
    expect(await historyCount()).toBe(0);
    expect((await db.sql("SELECT to_regclass('feedback') IS NULL AS gone")).rows[0].gone).toBe(true);
    // The new holder keeps its lease: our release does not delete it.
    expect((await db.sql('SELECT owner FROM rds_migrate.lock')).rows).toEqual([{ owner: 'new-runner' }]);
    await newRunner!.release();
  });

  it('rejects lock options out of range', async () => {
    await expect(acquireLease(driver, tables, 'x', silentLog, { leaseMs: 1000, heartbeatMs: 1000 })).rejects.toThrow(/heartbeatMs \(1000\) must be above 0 and below lock.leaseMs/);
    await expect(acquireLease(driver, tables, 'x', silentLog, { waitMs: -5 })).rejects.toThrow(/lock.waitMs must be a whole number/);
  });
});
