/**
 * The function cut off at its time limit between any two statements, then invoked again.
 *
 * A clean run of the shop migration set (`support/shop-fixture.ts`) through the handler lists every
 * Data API call it makes (the lock heartbeat aside). Then, for every k up to the release of the lock
 * (and every fourth k after it, see `cutPoints`), a fresh copy of the database is migrated by a
 * function that "dies" at call k:
 * - after: calls 1..k are answered, every later call is dropped unanswered and unrun (the process
 *   is gone; the Data API server it used is closed, rolling back what it left open, as the service's
 *   3-minute transaction timeout would);
 * - during: call k runs on the database but its answer is lost, and every later call is dropped (the
 *   function died while waiting for the answer: a commit may have happened without it knowing). Only
 *   calls that may commit something are cut this way; for any other a lost answer is the same as a
 *   cut after call k - 1.
 * Right after the cut, the schema history must tell the truth about what is in the database
 * (`historyContradictions`). The function is then invoked again once the dead run's short lease has
 * expired: it finishes the migrations, and the database must equal the clean run's, row for row,
 * with nothing left behind.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FaultContext } from '../../local/data-api/faults';
import type { LocalDataApi } from '../../local/data-api/server';
import { describeCall, isHeartbeat, mayCommit } from './support/call-script';
import { mapConcurrently } from './support/concurrently';
import { recordFigures } from './support/figures';
import { functionInstance } from './support/function-stack';
import { historyContradictions, lastHistoryRows, probeEffects } from './support/shop-fixture';
import {
  checkRecovered,
  dataApiOver,
  invokeFunction,
  shopCopy,
  startShopWorld,
  untilLeaseExpired,
  type ShopWorld,
} from './support/shop-world';
import { listManifestProblems, multipartUploadsInProgress } from './support/snapshot-objects';

const AREA = 'cut-off at a statement boundary';
/** Cut-and-recover scenarios run at once, each on its own copy of the database. */
const CONCURRENT_CUTS = 3;

let world: ShopWorld;
/** The non-heartbeat calls of a clean run, in order. */
const calls: Array<{ readonly description: string; readonly mayCommit: boolean }> = [];

/** Counts calls as the cut-off counts them (heartbeats left out). */
function callCounter() {
  let n = 0;
  return (context: FaultContext): number | undefined => (isHeartbeat(context) ? undefined : ++n);
}

beforeAll(async () => {
  const count = callCounter();
  world = await startShopWorld('rel_cut', {
    observe: (context) => {
      if (count(context) !== undefined) calls.push({ description: describeCall(context), mayCommit: mayCommit(context) });
      return undefined;
    },
  });
}, 120_000);

afterAll(() => world?.close());

type Variant = 'after' | 'during';

/**
 * Where to cut. Every call up to the release of the lock: the bookkeeping, the lock, the snapshot and
 * every migration statement and schema history write. After the release the run only records the
 * schema fingerprint and verifies (reads, and one idempotent write the next run repeats), so every
 * fourth of those calls is cut, to keep the suite within its time. "during" cuts only calls that may
 * commit something.
 */
function cutPoints(variant: Variant): number[] {
  const release = calls.findIndex((c) => c.description.startsWith('ExecuteStatement: DELETE FROM "rds_migrate"."lock"'));
  const lastEssential = release === -1 ? calls.length - 1 : release;
  const sampled = (k: number) => k <= lastEssential + 1 || (k - lastEssential) % 4 === 0;
  if (variant === 'after') return calls.map((_, i) => i).filter(sampled);
  return calls.flatMap((c, i) => (c.mayCommit ? [i + 1] : [])).filter(sampled);
}

interface CutResult {
  readonly problems: string[];
  readonly rowsChecked: number;
  readonly rowsLost: number;
  readonly recovered: boolean;
}

/** One cut at call `k` and the recovery after it. */
async function cutAndRecover(k: number, variant: Variant): Promise<CutResult> {
  const db = await shopCopy(world, `rel_cut_${variant}_${k}`);
  const problems: string[] = [];
  const at = `cut ${variant} call ${k} (${calls[k - 1]?.description ?? 'before the first call'})`;
  let dyingApi: LocalDataApi | undefined;
  let recoveryApi: LocalDataApi | undefined;
  try {
    dyingApi = await dataApiOver(db);
    const count = callCounter();
    let dead = false;
    let die: () => void = () => undefined;
    const died = new Promise<'cut'>((resolve) => (die = () => resolve('cut')));
    dyingApi.faults = (context) => {
      if (dead) return { dropConnection: true };
      const n = count(context);
      if (n === undefined || n <= (variant === 'after' ? k : k - 1)) return undefined;
      dead = true;
      die();
      return variant === 'during' && n === k ? { afterRun: { dropConnection: true } } : { dropConnection: true };
    };
    const dying = functionInstance({
      dataApi: dyingApi,
      database: db.name,
      taskRoot: world.task,
      s3Endpoint: world.s3.endpoint,
      bucket: world.bucket,
      functionName: `dying-${variant}-${k}`,
      env: world.runEnv,
    });
    const run = dying.invoke({ action: 'migrate' }).then(
      () => 'finished' as const,
      () => 'failed' as const,
    );
    const ended = await Promise.race([died, run]);
    if (ended !== 'cut') problems.push(`${at}: the run ${ended} before reaching the cut`);
    // The function is gone: its SDK clients with it, and its Data API server (open transactions rolled back).
    dying.destroy();
    await dyingApi.close();
    dyingApi = undefined;

    for (const c of historyContradictions(await probeEffects(db), await lastHistoryRows(db))) problems.push(`${at}, right after the cut: ${c}`);
    await untilLeaseExpired(db);

    recoveryApi = await dataApiOver(db);
    const next = await invokeFunction(world, { db, dataApi: recoveryApi, functionName: `next-${variant}-${k}`, env: world.recoveryEnv });
    if (!next.ok) problems.push(`${at}: the next run failed: ${(next.error as Error).message}`);
    else if (!next.value.ok) problems.push(`${at}: the next run's verification failed: ${next.value.verification.checks.filter((c) => !c.passed).map((c) => c.message).join('; ')}`);
    const check = await checkRecovered(world, db, at);
    problems.push(...check.problems);
    return { problems, rowsChecked: check.rowsChecked, rowsLost: check.rowsLost, recovered: problems.length === 0 };
  } finally {
    await dyingApi?.close();
    await recoveryApi?.close();
    await db.drop();
  }
}

describe('the function cut off between any two statements, then invoked again', () => {
  for (const variant of ['after', 'during'] as const) {
    it(`recovers from a cut ${variant} each Data API call of a migrate run`, async () => {
      expect(calls.length).toBeGreaterThan(20);
      const points = cutPoints(variant);
      const results = await mapConcurrently(points, CONCURRENT_CUTS, (k) => cutAndRecover(k, variant));
      const problems = results.flatMap((r) => r.problems);
      const recovered = results.filter((r) => r.recovered).length;
      recordFigures(AREA, {
        faultsInjected: results.length,
        runsRecovered: recovered,
        rowsChecked: results.reduce((sum, r) => sum + r.rowsChecked, 0),
        rowsLost: results.reduce((sum, r) => sum + r.rowsLost, 0),
      });
      expect(problems).toEqual([]);
      expect(recovered).toBe(results.length);
    }, 600_000);
  }

  it('leaves every manifest with all of its table objects complete (manifest written last), and no multipart upload open', async () => {
    const check = await listManifestProblems(world.s3, world.bucket);
    expect(check.manifests).toBeGreaterThan(0);
    expect(check.broken).toEqual([]);
    expect(await multipartUploadsInProgress(world.s3, world.bucket)).toEqual([]);
  });
});
