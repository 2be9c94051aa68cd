/**
 * Ten runners at once against one database, as a deploy, the verify schedule and operators can
 * overlap: CloudFormation Create/Update requests, scheduled verifications, manual migrate and status
 * invocations, each an in-process handler with SDK clients of its own, through one local Data API.
 *
 * Exactly one applies the migrations; the other migrate runs either wait for the lock (within their
 * bound) and then find nothing pending, or fail at once with LockHeldError naming the holder; status and
 * verify never take the lock and never fail; the schema history ends with one success row per version,
 * written by the one that migrated; one snapshot; nothing left behind. Then ten more at once find
 * nothing to do.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MigrateActionReport } from '../../lambda/actions/migrate-action';
import type { LocalDataApi } from '../../local/data-api/server';
import { recordFigures } from './support/figures';
import { crashReason, settle, type Outcome } from './support/outcome';
import { functionInstance } from './support/function-stack';
import { SHOP_VERSIONS } from './support/shop-fixture';
import { checkRecovered, dataApiOver, shopCopy, startShopWorld, type ShopWorld } from './support/shop-world';
import { listManifestProblems } from './support/snapshot-objects';
import type { ScratchDatabase } from './support/scratch-database';

const AREA = 'ten concurrent runners';
/** How long a waiting runner waits for the lock, ms. */
const WAIT_BOUND_MS = 30_000;

let world: ShopWorld;
let db: ScratchDatabase;
let api: LocalDataApi;
beforeAll(async () => {
  world = await startShopWorld('rel_ten');
  db = await shopCopy(world, 'rel_ten_runners');
  api = await dataApiOver(db);
}, 120_000);
afterAll(async () => {
  await api?.close();
  await db?.drop();
  await world?.close();
});

type Kind = 'deploy' | 'schedule' | 'migrate' | 'status';

interface Runner {
  readonly name: string;
  readonly kind: Kind;
  readonly event: unknown;
  /** RDS_MIGRATE_LOCK_WAIT_MS: 0 fails at once. */
  readonly waitMs: number;
}

const customResource = (requestType: 'Create' | 'Update', n: number) => ({
  RequestType: requestType,
  RequestId: `request-${n}`,
  StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/app/1',
  LogicalResourceId: 'Migrations',
  ResourceType: 'Custom::DatabaseMigrations',
  ...(requestType === 'Update' ? { PhysicalResourceId: 'rds-migrate:app', OldResourceProperties: { MigrationsChecksum: 'old' } } : {}),
  ResourceProperties: { ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:provider', MigrationsChecksum: 'abc123' },
});
const scheduled = { version: '0', id: 'e1', 'detail-type': 'Scheduled Event', source: 'aws.events', time: '2026-01-01T00:00:00Z', resources: [] };

const RUNNERS: readonly Runner[] = [
  { name: 'deploy-create', kind: 'deploy', event: customResource('Create', 1), waitMs: WAIT_BOUND_MS },
  { name: 'manual-migrate-waits', kind: 'migrate', event: { action: 'migrate' }, waitMs: WAIT_BOUND_MS },
  { name: 'schedule-1', kind: 'schedule', event: scheduled, waitMs: 0 },
  { name: 'deploy-update-1', kind: 'deploy', event: customResource('Update', 2), waitMs: WAIT_BOUND_MS },
  { name: 'manual-status-1', kind: 'status', event: { action: 'status' }, waitMs: 0 },
  { name: 'manual-migrate-fast-1', kind: 'migrate', event: { action: 'migrate' }, waitMs: 0 },
  { name: 'deploy-update-2', kind: 'deploy', event: customResource('Update', 3), waitMs: WAIT_BOUND_MS },
  { name: 'schedule-2', kind: 'schedule', event: scheduled, waitMs: 0 },
  { name: 'manual-migrate-fast-2', kind: 'migrate', event: { action: 'migrate' }, waitMs: 0 },
  { name: 'manual-status-2', kind: 'status', event: { action: 'status' }, waitMs: 0 },
];

interface Finished {
  readonly runner: Runner;
  readonly outcome: Outcome<unknown>;
  readonly ms: number;
}

/** Starts every runner at once (each with its own SDK clients) and waits for all. */
async function runAll(round: string): Promise<Finished[]> {
  const instances = RUNNERS.map((runner) =>
    functionInstance({
      dataApi: api,
      database: db.name,
      taskRoot: world.task,
      s3Endpoint: world.s3.endpoint,
      bucket: world.bucket,
      functionName: `${runner.name}-${round}`,
      env: { ...world.runEnv, RDS_MIGRATE_LOCK_WAIT_MS: String(runner.waitMs) },
    }),
  );
  try {
    return await Promise.all(
      RUNNERS.map(async (runner, i) => {
        const started = Date.now();
        const outcome = await settle(instances[i]!.invoke(runner.event));
        return { runner, outcome, ms: Date.now() - started };
      }),
    );
  } finally {
    for (const instance of instances) instance.destroy();
  }
}

/** The versions a migrate or deploy run applied ([] for status, verify and failures). */
function applied(f: Finished): string[] {
  if (!f.outcome.ok) return [];
  const value = f.outcome.value as Partial<MigrateActionReport> & { Data?: { Applied?: string } };
  if (f.runner.kind === 'deploy') return value.Data?.Applied ? value.Data.Applied.split(',') : [];
  return value.migrate?.applied.map((m) => m.version) ?? [];
}

/** Checks one round: its problems, the runs that applied migrations, and crashes. */
function judge(round: string, results: Finished[], expectMigrator: boolean): { problems: string[]; migrators: Finished[]; crashes: number } {
  const problems: string[] = [];
  let crashes = 0;
  const names = new Set(RUNNERS.map((r) => `lambda:${r.name}-${round}`));
  const migrators = results.filter((f) => applied(f).length > 0);
  if (migrators.length !== (expectMigrator ? 1 : 0)) problems.push(`${round}: ${migrators.length} runners applied migrations: ${migrators.map((m) => m.runner.name).join(', ')}`);
  for (const m of migrators) if (applied(m).join() !== SHOP_VERSIONS.join()) problems.push(`${round}: ${m.runner.name} applied ${applied(m).join()}`);
  for (const f of results) {
    const at = `${round}: ${f.runner.name}`;
    if (f.outcome.ok) {
      const current = (f.outcome.value as { Data?: { CurrentVersion?: string } }).Data?.CurrentVersion;
      if (f.runner.kind === 'deploy' && current !== SHOP_VERSIONS.at(-1)) problems.push(`${at}: the deploy answered CurrentVersion ${current}`);
      if (f.runner.waitMs > 0 && f.ms > f.runner.waitMs + 15_000) problems.push(`${at} took ${f.ms} ms, past its wait bound of ${f.runner.waitMs} ms and a run`);
      continue;
    }
    const error = f.outcome.error as Error & { holder?: { owner?: string } };
    const crash = crashReason(error);
    if (crash) {
      crashes++;
      problems.push(`${at} crashed: ${crash}`);
      continue;
    }
    const lockHeld = error.name === 'LockHeldError' || /migration lock is held by/.test(error.message);
    if (!lockHeld) {
      problems.push(`${at} failed: ${error.message}`);
      continue;
    }
    if (f.runner.kind === 'status' || f.runner.kind === 'schedule') problems.push(`${at}: a ${f.runner.kind} run waited on the lock`);
    if (f.runner.waitMs > 0) problems.push(`${at}: failed on the lock although it waits ${f.runner.waitMs} ms: ${error.message}`);
    const holder = /held by "([^"]+)"/.exec(error.message)?.[1];
    if (!holder || !names.has(holder)) problems.push(`${at}: LockHeldError does not name a runner as the holder: ${error.message}`);
  }
  return { problems, migrators, crashes };
}

describe('ten runners at once against one database', () => {
  it('exactly one migrates, the others wait within their bound or fail naming the holder; the history ends consistent', async () => {
    const first = await runAll('first');
    const verdict = judge('first', first, true);
    const history = await db.sql<{ version: string; success: boolean; applied_by: string }>(
      'SELECT version, success, applied_by FROM rds_migrate.schema_history ORDER BY installed_rank',
    );
    const migrator = verdict.migrators[0] ? `lambda:${verdict.migrators[0].runner.name}-first` : '(none)';
    const problems = [...verdict.problems];
    if (JSON.stringify(history.rows) !== JSON.stringify(SHOP_VERSIONS.map((version) => ({ version, success: true, applied_by: migrator })))) {
      problems.push(`schema history: ${JSON.stringify(history.rows)}`);
    }
    const manifests = await listManifestProblems(world.s3, world.bucket);
    // The world's clean run took one snapshot; this database gets exactly one more.
    if (manifests.manifests !== 2) problems.push(`${manifests.manifests - 1} snapshots taken for ${db.name}`);
    problems.push(...manifests.broken);

    const second = await runAll('second');
    const again = judge('second', second, false);
    problems.push(...again.problems);
    const check = await checkRecovered(world, db, 'after twenty runners');
    problems.push(...check.problems);

    recordFigures(AREA, {
      rowsChecked: check.rowsChecked,
      rowsLost: check.rowsLost,
      crashes: verdict.crashes + again.crashes,
    });
    console.info(
      first
        .map((f) => `- ${f.runner.name}: ${f.outcome.ok ? `ok, applied [${applied(f).join(', ')}]` : `${(f.outcome.error as Error).name}: ${(f.outcome.error as Error).message.slice(0, 120)}`} in ${f.ms} ms`)
        .join('\n'),
    );
    expect(problems).toEqual([]);
  }, 180_000);
});
