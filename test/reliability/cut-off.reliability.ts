/**
 * The function cut off at its time limit between any two statements, then invoked again.
 *
 * A clean run of the shop migration set (`support/shop-fixture.ts`) through the handler lists every
 * Data API call it makes (the lock heartbeat aside). Then, for every k, a fresh copy of the database
 * is migrated by a function that "dies" at call k:
 * - between: calls 1..k are answered, every later call is dropped unanswered and unrun (the process
 *   is gone; the Data API server it used is closed, rolling back what it left open, as the service's
 *   3-minute transaction timeout would);
 * - during: call k runs on the database but its answer is lost, and every later call is dropped (the
 *   function died while waiting for the answer: a commit may have happened without it knowing).
 * Right after the cut, the schema history must tell the truth about what is in the database
 * (`historyContradictions`). The function is then invoked again with a lock wait longer than the
 * short test lease: it takes the dead run's lock once the lease expires, finishes the migrations, and
 * the database must equal the clean run's, row for row, with nothing left behind.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { MigrateActionReport } from '../../lambda/actions/migrate-action';
import type { FaultContext } from '../../local/data-api/faults';
import { startLocalDataApi, type LocalDataApi } from '../../local/data-api/server';
import { startLocalS3, type LocalS3 } from '../../local/s3/local-s3';
import { describeCall, isHeartbeat, mayCommit } from './support/call-script';
import { captureState, compareStates, type DatabaseState } from './support/database-state';
import { recordFigures } from './support/figures';
import { mapConcurrently } from './support/concurrently';
import { compileTaskRoot, functionInstance, type TaskRoot } from './support/function-stack';
import { leftovers } from './support/leftovers';
import { listManifestProblems, multipartUploadsInProgress } from './support/snapshot-objects';
import { createScratchDatabase, type ScratchDatabase } from './support/scratch-database';
import { historyContradictions, lastHistoryRows, probeEffects, SHOP_MIGRATIONS, SHOP_SEED_SQL, SHOP_VERSIONS } from './support/shop-fixture';

const AREA = 'cut-off at a statement boundary';
const BUCKET = 'rds-migrate-snapshots';
/** A short lease so a dead run's lock expires quickly; the heartbeat renews it every third. */
const LEASE = { RDS_MIGRATE_LOCK_LEASE_MS: '900' };
/** The next invocation waits for the dead run's lease to expire. */
const RECOVERY = { ...LEASE, RDS_MIGRATE_LOCK_WAIT_MS: '15000' };
/** Sequence-drawn ids: a rolled-back transaction advances the sequence too. */
const VOLATILE = { volatileColumns: { 'public.account_events': ['id'] } };

/** Cut-and-recover scenarios run at once, each on its own copy of the database. */
const CONCURRENT_CUTS = 3;

const adminUrl = inject('pgAdminUrl');
let template: ScratchDatabase;
let s3: LocalS3;
let task: TaskRoot;
let reference: DatabaseState;
/** The non-heartbeat calls of a clean run, in order. */
const calls: Array<{ readonly description: string; readonly mayCommit: boolean }> = [];

/** Counts calls as the cut-off counts them (heartbeats left out). */
function callCounter() {
  let n = 0;
  return (context: FaultContext): number | undefined => (isHeartbeat(context) ? undefined : ++n);
}

beforeAll(async () => {
  template = await createScratchDatabase(adminUrl, 'rel_cut_template');
  await template.sql(SHOP_SEED_SQL);
  await template.close();
  s3 = await startLocalS3();
  await s3.createBucket(BUCKET);
  task = await compileTaskRoot(SHOP_MIGRATIONS);

  const clean = await createScratchDatabase(adminUrl, 'rel_cut_clean', template.name);
  const api = await startLocalDataApi({ postgresUrl: clean.url });
  const count = callCounter();
  api.faults = (context) => {
    if (count(context) !== undefined) calls.push({ description: describeCall(context), mayCommit: mayCommit(context) });
    return undefined;
  };
  const fn = functionInstance({ dataApi: api, database: clean.name, taskRoot: task, s3Endpoint: s3.endpoint, functionName: 'clean', env: LEASE });
  try {
    const report = (await fn.invoke({ action: 'migrate' })) as MigrateActionReport;
    expect(report.ok).toBe(true);
    expect(report.migrate.applied.map((m) => m.version)).toEqual([...SHOP_VERSIONS]);
    reference = await captureState(clean, VOLATILE);
  } finally {
    fn.destroy();
    await api.close();
    await clean.drop();
  }
}, 120_000);

afterAll(async () => {
  await s3?.close();
  await task?.remove();
  await template?.drop();
});

type Variant = 'between' | 'during';

/** Waits, by the database clock, until a lock lease the dead run left has expired (real time passes). */
async function untilLeaseExpired(db: ScratchDatabase): Promise<void> {
  const exists = await db.sql<{ e: boolean }>(`SELECT to_regclass('rds_migrate.lock') IS NOT NULL AS e`);
  if (!exists.rows[0]!.e) return;
  const { rows } = await db.sql<{ ms: number }>(`SELECT ceil(extract(epoch FROM expires_at - clock_timestamp()) * 1000)::int AS ms FROM rds_migrate.lock`);
  const ms = rows[0]?.ms;
  if (ms !== undefined && ms > 0) await new Promise((resolve) => setTimeout(resolve, ms + 20));
}

interface CutResult {
  readonly problems: string[];
  readonly rowsChecked: number;
  readonly rowsLost: number;
  readonly recovered: boolean;
}

/** One cut at call `k` and the recovery after it. */
async function cutAndRecover(k: number, variant: Variant): Promise<CutResult> {
  const db = await createScratchDatabase(adminUrl, `rel_cut_${variant}_${k}`, template.name);
  const problems: string[] = [];
  const at = `cut ${variant === 'between' ? 'after' : 'during'} call ${k} (${calls[k - 1]?.description ?? 'before the first call'})`;
  let dyingApi: LocalDataApi | undefined;
  let recoveryApi: LocalDataApi | undefined;
  try {
    dyingApi = await startLocalDataApi({ postgresUrl: db.url });
    const count = callCounter();
    let dead = false;
    let diedAt: (() => void) | undefined;
    const died = new Promise<void>((resolve) => (diedAt = resolve));
    dyingApi.faults = (context) => {
      if (dead) return { dropConnection: true };
      const n = count(context);
      if (n === undefined) return undefined;
      const lastAnswered = variant === 'between' ? k : k - 1;
      if (n <= lastAnswered) return undefined;
      dead = true;
      diedAt!();
      return variant === 'during' && n === k ? { afterRun: { dropConnection: true } } : { dropConnection: true };
    };
    const dying = functionInstance({ dataApi: dyingApi, database: db.name, taskRoot: task, s3Endpoint: s3.endpoint, functionName: `dying-${variant}-${k}`, env: LEASE });
    const run = dying.invoke({ action: 'migrate' }).then(
      () => 'finished',
      () => 'failed',
    );
    const ended = await Promise.race([died.then(() => 'cut'), run]);
    if (ended !== 'cut') problems.push(`${at}: the run ${ended} before reaching the cut`);
    // The function is gone: its SDK clients with it, and its Data API server (open transactions rolled back).
    dying.destroy();
    await dyingApi.close();
    dyingApi = undefined;

    const contradictions = historyContradictions(await probeEffects(db), await lastHistoryRows(db));
    for (const c of contradictions) problems.push(`${at}, right after the cut: ${c}`);
    await untilLeaseExpired(db);

    recoveryApi = await startLocalDataApi({ postgresUrl: db.url });
    const next = functionInstance({ dataApi: recoveryApi, database: db.name, taskRoot: task, s3Endpoint: s3.endpoint, functionName: `next-${variant}-${k}`, env: RECOVERY });
    let recovered = false;
    try {
      const report = (await next.invoke({ action: 'migrate' })) as MigrateActionReport;
      if (!report.ok) problems.push(`${at}: the next run's verification failed: ${report.verification.checks.filter((c) => !c.passed).map((c) => c.message).join('; ')}`);
      else recovered = true;
    } catch (error) {
      problems.push(`${at}: the next run failed: ${(error as Error).message}`);
    } finally {
      next.destroy();
    }
    const diff = compareStates(reference, await captureState(db, VOLATILE));
    if (diff.rowsLost > 0 || diff.rowsExtra > 0) problems.push(`${at}: ${diff.rowsLost} row(s) lost, ${diff.rowsExtra} extra: ${diff.examples.join('; ')}`);
    if (diff.schema.length > 0) problems.push(`${at}: schema differs from a clean run: ${diff.schema.join('; ')}`);
    const history = await db.sql<{ version: string; rows: number; successes: number }>(
      `SELECT version, count(*)::int AS rows, count(*) FILTER (WHERE success)::int AS successes FROM rds_migrate.schema_history GROUP BY version ORDER BY version`,
    );
    const expectedHistory = SHOP_VERSIONS.map((version) => ({ version, rows: 1, successes: 1 }));
    if (JSON.stringify(history.rows) !== JSON.stringify(expectedHistory)) problems.push(`${at}: schema history ${JSON.stringify(history.rows)}`);
    for (const l of await leftovers(db)) problems.push(`${at}: left behind: ${l}`);
    return { problems, rowsChecked: diff.rowsChecked, rowsLost: diff.rowsLost, recovered: recovered && problems.length === 0 };
  } finally {
    await dyingApi?.close();
    await recoveryApi?.close();
    await db.drop();
  }
}

describe('the function cut off between any two statements, then invoked again', () => {
  for (const variant of ['between', 'during'] as const) {
    it(`recovers from a cut ${variant === 'between' ? 'after' : 'during'} each Data API call of a migrate run`, async () => {
      expect(calls.length).toBeGreaterThan(20);
      // A lost answer matters only for a call that may have committed something; for any other it
      // is the same as dying before the call (the "between" cut at k - 1).
      const points = variant === 'between' ? calls.map((_, i) => i) : calls.flatMap((c, i) => (c.mayCommit ? [i + 1] : []));
      const results = await mapConcurrently(points, CONCURRENT_CUTS, (k) => cutAndRecover(k, variant));
      const problems = results.flatMap((r) => r.problems);
      const rowsChecked = results.reduce((sum, r) => sum + r.rowsChecked, 0);
      const rowsLost = results.reduce((sum, r) => sum + r.rowsLost, 0);
      const recovered = results.filter((r) => r.recovered).length;
      const cuts = results.length;
      recordFigures(AREA, { faultsInjected: cuts, runsRecovered: recovered, rowsChecked, rowsLost });
      expect(problems).toEqual([]);
      expect(recovered).toBe(cuts);
    }, 600_000);
  }

  it('leaves every manifest with all of its table objects complete (manifest written last), and no multipart upload open', async () => {
    const check = await listManifestProblems(s3, BUCKET);
    expect(check.manifests).toBeGreaterThan(0);
    expect(check.broken).toEqual([]);
    expect(await multipartUploadsInProgress(s3, BUCKET)).toEqual([]);
  });
});
