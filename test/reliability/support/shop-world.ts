/**
 * What the shop fault scenarios share: a seeded template database to copy, the compiled bundle, a
 * snapshot bucket, and the reference state of a clean run; plus the checks that a database recovered
 * to that state (rows, schema, schema history, nothing left behind).
 */
import { inject } from 'vitest';
import type { MigrateActionReport } from '../../../lambda/actions/migrate-action';
import type { FaultHook } from '../../../local/data-api/faults';
import { startLocalDataApi, type LocalDataApi, type LocalDataApiOptions } from '../../../local/data-api/server';
import { startLocalS3, type LocalS3 } from '../../../local/s3/local-s3';
import { captureState, compareStates, type DatabaseState } from './database-state';
import { compileTaskRoot, functionInstance, type TaskRoot } from './function-stack';
import { leftovers } from './leftovers';
import { settle, type Outcome } from './outcome';
import { createScratchDatabase, type ScratchDatabase } from './scratch-database';
import { SHOP_MIGRATIONS, SHOP_SEED_SQL, SHOP_VERSIONS } from './shop-fixture';

/**
 * A short lock lease, so a dead run's lock expires quickly (the heartbeat renews it every third), yet
 * long enough that a busy test process (two scenarios exporting at once) does not miss a renewal.
 * @default 1500 ms
 */
export const DEFAULT_TEST_LEASE_MS = 1500;
/** Ids drawn from a sequence: a rolled-back transaction advances the sequence too. */
export const SHOP_VOLATILE = { volatileColumns: { 'public.account_events': ['id'] } } as const;

export interface ShopWorld {
  readonly adminUrl: string;
  readonly template: ScratchDatabase;
  readonly task: TaskRoot;
  readonly s3: LocalS3;
  readonly bucket: string;
  /** The database after a clean run of the handler's migrate. */
  readonly reference: DatabaseState;
  /** The seeded template, before any migration: what a snapshot before migrating must hold. */
  readonly seeded: DatabaseState;
  /** The lock lease of every run, ms. */
  readonly leaseMs: number;
  /** The function's environment for a run: the lease. */
  readonly runEnv: Readonly<Record<string, string>>;
  /** ... for the run after a fault: the lease, and a wait for a lease a dead run left. */
  readonly recoveryEnv: Readonly<Record<string, string>>;
  close(): Promise<void>;
}

export interface ShopWorldOptions {
  /** Sees every call of the clean run (e.g. to list them). */
  readonly observe?: FaultHook;
  /** More tables and rows for the template, after the shop's seed. */
  readonly extraSeedSql?: string;
  /** @default DEFAULT_TEST_LEASE_MS */
  readonly leaseMs?: number;
  /** The PostgreSQL server to use. @default the run's (`test/support/global-setup.ts`) */
  readonly adminUrl?: string;
}

/**
 * Seeds the template, compiles the bundle, starts a local S3 with the bucket, and migrates a copy
 * once without faults to get the reference state.
 */
export async function startShopWorld(prefix: string, options: ShopWorldOptions = {}): Promise<ShopWorld> {
  const { observe } = options;
  const leaseMs = options.leaseMs ?? DEFAULT_TEST_LEASE_MS;
  const runEnv = { RDS_MIGRATE_LOCK_LEASE_MS: String(leaseMs) };
  const recoveryEnv = { ...runEnv, RDS_MIGRATE_LOCK_WAIT_MS: String(leaseMs * 10) };
  const adminUrl = options.adminUrl ?? inject('pgAdminUrl');
  const template = await createScratchDatabase(adminUrl, `${prefix}_template`);
  await template.sql(SHOP_SEED_SQL);
  if (options.extraSeedSql) await template.sql(options.extraSeedSql);
  const seeded = await captureState(template);
  await template.close();
  const s3 = await startLocalS3();
  const bucket = 'rds-migrate-snapshots';
  await s3.createBucket(bucket);
  const task = await compileTaskRoot(SHOP_MIGRATIONS);
  const clean = await createScratchDatabase(adminUrl, `${prefix}_clean`, template.name);
  const api = await startLocalDataApi({ postgresUrl: clean.url, ...(observe ? { faults: observe } : {}) });
  const fn = functionInstance({ dataApi: api, database: clean.name, taskRoot: task, s3Endpoint: s3.endpoint, bucket, functionName: 'clean', env: runEnv });
  let reference: DatabaseState;
  try {
    const report = (await fn.invoke({ action: 'migrate' })) as MigrateActionReport;
    if (!report.ok || report.migrate.applied.length !== SHOP_VERSIONS.length) throw new Error(`the clean run did not apply the shop migrations: ${JSON.stringify(report.migrate)}`);
    reference = await captureState(clean, SHOP_VOLATILE);
  } finally {
    fn.destroy();
    await api.close();
    await clean.drop();
  }
  return {
    adminUrl,
    template,
    task,
    s3,
    bucket,
    reference,
    seeded,
    leaseMs,
    runEnv,
    recoveryEnv,
    async close() {
      await s3.close();
      await task.remove();
      await template.drop();
    },
  };
}

/** A fresh copy of the seeded template. */
export function shopCopy(world: ShopWorld, label: string): Promise<ScratchDatabase> {
  return createScratchDatabase(world.adminUrl, label, world.template.name);
}

export interface InvokeOptions {
  readonly db: ScratchDatabase;
  readonly dataApi: LocalDataApi;
  readonly functionName: string;
  /** @default the world's `runEnv` */
  readonly env?: Record<string, string>;
  /** @default the world's S3 */
  readonly s3Endpoint?: string;
  readonly event?: unknown;
}

/** Invokes the handler (migrate unless `event` says otherwise) and says how it ended. */
export async function invokeFunction(world: ShopWorld, options: InvokeOptions): Promise<Outcome<MigrateActionReport>> {
  const fn = functionInstance({
    dataApi: options.dataApi,
    database: options.db.name,
    taskRoot: world.task,
    s3Endpoint: options.s3Endpoint ?? world.s3.endpoint,
    bucket: world.bucket,
    functionName: options.functionName,
    env: { ...(options.env ?? world.runEnv) },
  });
  try {
    return await settle(fn.invoke(options.event ?? { action: 'migrate' }) as Promise<MigrateActionReport>);
  } finally {
    fn.destroy();
  }
}

/** Starts a local Data API over `db`. */
export function dataApiOver(db: ScratchDatabase, options: Partial<LocalDataApiOptions> = {}): Promise<LocalDataApi> {
  return startLocalDataApi({ postgresUrl: db.url, ...options });
}

export interface RecoveryCheck {
  /** One sentence per difference from the clean run, prefixed with `at`. */
  readonly problems: string[];
  readonly rowsChecked: number;
  readonly rowsLost: number;
}

/**
 * Compares `db` with the clean run's state: every row and schema object, one success row per
 * version in the schema history, and nothing left behind (`leftovers.ts`).
 * @param at names the scenario in the problems
 */
export async function checkRecovered(world: ShopWorld, db: ScratchDatabase, at: string): Promise<RecoveryCheck> {
  const problems: string[] = [];
  const diff = compareStates(world.reference, await captureState(db, SHOP_VOLATILE));
  if (diff.rowsLost > 0 || diff.rowsExtra > 0) problems.push(`${at}: ${diff.rowsLost} row(s) lost, ${diff.rowsExtra} extra: ${diff.examples.join('; ')}`);
  if (diff.schema.length > 0) problems.push(`${at}: schema differs from a clean run: ${diff.schema.join('; ')}`);
  const exists = (await db.sql<{ e: boolean }>(`SELECT to_regclass('rds_migrate.schema_history') IS NOT NULL AS e`)).rows[0]!.e;
  if (!exists) {
    problems.push(`${at}: no schema history`);
  } else {
    const history = await db.sql<{ version: string; rows: number; successes: number }>(
      `SELECT version, count(*)::int AS rows, count(*) FILTER (WHERE success)::int AS successes FROM rds_migrate.schema_history GROUP BY version ORDER BY version`,
    );
    const expected = SHOP_VERSIONS.map((version) => ({ version, rows: 1, successes: 1 }));
    if (JSON.stringify(history.rows) !== JSON.stringify(expected)) problems.push(`${at}: schema history ${JSON.stringify(history.rows)}`);
  }
  for (const l of await leftovers(db)) problems.push(`${at}: left behind: ${l}`);
  return { problems, rowsChecked: diff.rowsChecked, rowsLost: diff.rowsLost };
}

/** Waits, by the database clock, until a lock lease left in `db` has expired (real time passes). */
export async function untilLeaseExpired(db: ScratchDatabase): Promise<void> {
  const exists = await db.sql<{ e: boolean }>(`SELECT to_regclass('rds_migrate.lock') IS NOT NULL AS e`);
  if (!exists.rows[0]!.e) return;
  const { rows } = await db.sql<{ ms: number }>(`SELECT ceil(extract(epoch FROM expires_at - clock_timestamp()) * 1000)::int AS ms FROM rds_migrate.lock`);
  const ms = rows[0]?.ms;
  if (ms !== undefined && ms > 0) await new Promise((resolve) => setTimeout(resolve, ms + 20));
}
