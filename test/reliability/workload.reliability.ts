/**
 * A migration run while the application writes to the same tables: four pgbench-style writer loops
 * (`support/order-workload.ts`) update orders and accounts and insert orders, in that lock order,
 * through the whole run, while the function snapshots and applies three migrations that lock the
 * same tables (ALTER TABLE, CREATE INDEX CONCURRENTLY, UPDATEs of accounts then orders) with
 * `lock_timeout=200ms retries=20`. When the first ALTER TABLE arrives, a transaction of the
 * application holds a SHARE lock on orders for 800 ms, so that ALTER must time out and be retried.
 *
 * Afterwards: the run succeeded, the lock timeout was retried, every committed write of the
 * application is in the database (each increment, each inserted order), the migrations' own changes
 * are there, and no session is left idle in a transaction or holding a lock.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { MigrateActionReport } from '../../lambda/actions/migrate-action';
import { startLocalDataApi, type LocalDataApi } from '../../local/data-api/server';
import { startLocalS3, type LocalS3 } from '../../local/s3/local-s3';
import { statementIn } from './support/fault-plans';
import { recordFigures } from './support/figures';
import { compileTaskRoot, functionInstance, type TaskRoot } from './support/function-stack';
import { leftovers } from './support/leftovers';
import { startOrderWorkload } from './support/order-workload';
import { createScratchDatabase, type ScratchDatabase } from './support/scratch-database';
import { SHOP_ACCOUNTS, SHOP_ORDERS, SHOP_SEED_SQL } from './support/shop-fixture';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const AREA = 'application workload during migrate';
const WORKLOAD_MIGRATIONS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'workload');
const BUCKET = 'rds-migrate-snapshots';

let db: ScratchDatabase;
let api: LocalDataApi;
let s3: LocalS3;
let task: TaskRoot;
beforeAll(async () => {
  db = await createScratchDatabase(inject('pgAdminUrl'), 'rel_workload');
  await db.sql(SHOP_SEED_SQL);
  api = await startLocalDataApi({ postgresUrl: db.url });
  s3 = await startLocalS3();
  await s3.createBucket(BUCKET);
  task = await compileTaskRoot(WORKLOAD_MIGRATIONS);
}, 120_000);
afterAll(async () => {
  await api?.close();
  await s3?.close();
  await task?.remove();
  await db?.drop();
});

/** Holds SHARE on orders (blocks ALTER TABLE and the application's writes, not reads) for `ms`. */
async function holdShareLock(url: string, ms: number): Promise<{ released: Promise<void> }> {
  const client = new pg.Client({ connectionString: url, application_name: 'workload-report' });
  client.on('error', () => undefined);
  await client.connect();
  await client.query('BEGIN');
  await client.query('LOCK TABLE orders IN SHARE MODE');
  const released = new Promise<void>((resolve) => setTimeout(resolve, ms)).then(async () => {
    await client.query('COMMIT');
    await client.end();
  });
  return { released };
}

describe('a migration run while the application writes to the same tables', () => {
  it('retries its lock timeouts, leaves no lock or transaction behind, and every application write is there', async () => {
    const seeded = {
      orders: new Map((await db.sql<{ id: string; total: string }>('SELECT id::text, total_cents::text AS total FROM orders')).rows.map((r) => [Number(r.id), Number(r.total)])),
      accounts: new Map((await db.sql<{ id: string; balance: string }>('SELECT id::text, balance_cents::text AS balance FROM accounts')).rows.map((r) => [Number(r.id), Number(r.balance)])),
    };
    const deadlocksBefore = Number((await db.sql('SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()')).rows[0]!.deadlocks);

    const alter = statementIn('ALTER TABLE orders ADD COLUMN note');
    let alterSends = 0;
    let blocker: Promise<void> | undefined;
    api.faults = async (context) => {
      if (!alter(context)) return undefined;
      alterSends++;
      if (!blocker) blocker = (await holdShareLock(db.url, 800)).released;
      return undefined;
    };
    const workload = startOrderWorkload(db.url, { writers: 4, accounts: SHOP_ACCOUNTS, orders: SHOP_ORDERS, firstNewOrderId: 1_000_000 });
    const fn = functionInstance({ dataApi: api, database: db.name, taskRoot: task, s3Endpoint: s3.endpoint, bucket: BUCKET, functionName: 'deploy' });
    let report: MigrateActionReport;
    try {
      await new Promise((resolve) => setTimeout(resolve, 300));
      report = (await fn.invoke({ action: 'migrate' })) as MigrateActionReport;
      // The application keeps writing a little after the migrations.
      await new Promise((resolve) => setTimeout(resolve, 300));
    } finally {
      fn.destroy();
      api.faults = undefined;
    }
    const ledger = await workload.stop();
    await blocker;

    const problems: string[] = [];
    if (!report.ok) problems.push(`verification failed: ${report.verification.checks.filter((c) => !c.passed).map((c) => c.message).join('; ')}`);
    if (report.migrate.applied.map((m) => m.version).join() !== '0001,0002,0003') problems.push(`applied ${report.migrate.applied.map((m) => m.version).join()}`);
    if (alterSends < 2) problems.push(`the call carrying the ALTER TABLE blocked by the application was sent ${alterSends} time(s): its lock timeout was not retried`);
    if (ledger.failures.length > 0) problems.push(`the application failed: ${ledger.failures.slice(0, 5).join('; ')}`);
    if (ledger.committed < 50) problems.push(`the application committed only ${ledger.committed} transactions`);

    // Every committed write of the application.
    let rowsChecked = 0;
    let rowsLost = 0;
    const orders = new Map((await db.sql<{ id: string; account: string; total: string }>('SELECT id::text, account_id::text AS account, total_cents::text AS total FROM orders')).rows.map((r) => [Number(r.id), { account: Number(r.account), total: Number(r.total) }]));
    for (const [id, seed] of seeded.orders) {
      rowsChecked++;
      const want = seed + (ledger.orderIncrements.get(id) ?? 0);
      if (orders.get(id)?.total !== want) rowsLost++;
    }
    for (const [id, account] of ledger.insertedOrders) {
      rowsChecked++;
      const row = orders.get(id);
      if (!row || row.account !== account || row.total !== 100) rowsLost++;
    }
    const extraOrders = orders.size - seeded.orders.size - ledger.insertedOrders.size;
    if (extraOrders !== 0) problems.push(`${extraOrders} orders the application did not commit`);
    const accounts = new Map((await db.sql<{ id: string; balance: string; vip: boolean }>('SELECT id::text, balance_cents::text AS balance, vip FROM accounts')).rows.map((r) => [Number(r.id), { balance: Number(r.balance), vip: r.vip }]));
    for (const [id, seed] of seeded.accounts) {
      rowsChecked++;
      const row = accounts.get(id);
      if (row?.balance !== seed + (ledger.accountIncrements.get(id) ?? 0)) rowsLost++;
      if (row && row.vip !== id <= 50) problems.push(`account ${id}: vip = ${row.vip}`);
    }
    if (rowsLost > 0) problems.push(`${rowsLost} application write(s) missing or wrong`);
    const notes = await db.sql<{ missing: number }>(`SELECT count(*)::int AS missing FROM orders WHERE id <= ${SHOP_ORDERS} AND account_id <= 50 AND note IS DISTINCT FROM 'vip'`);
    if (notes.rows[0]!.missing !== 0) problems.push(`${notes.rows[0]!.missing} seeded orders of VIP accounts without the note`);
    for (const l of await leftovers(db)) problems.push(`left behind: ${l}`);
    const deadlocks = Number((await db.sql('SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()')).rows[0]!.deadlocks) - deadlocksBefore;

    recordFigures(AREA, { faultsInjected: blocker ? 1 : 0, runsRecovered: report.ok && alterSends >= 2 ? 1 : 0, rowsChecked, rowsLost });
    console.info(
      `application: ${ledger.committed} transactions committed, retried ${JSON.stringify(Object.fromEntries(ledger.retried))}, ` +
        `longest ${ledger.maxLatencyMs} ms; ALTER TABLE sent ${alterSends} times; deadlocks detected by PostgreSQL: ${deadlocks}`,
    );
    expect(problems).toEqual([]);
  }, 180_000);
});
