/**
 * Data API faults during a migrate run of the shop migration set, one scenario per fault: a
 * connection dropped before a call or mid-call (the call ran, its answer is lost), 5xx before and
 * after a call ran, DatabaseResumingException (a cluster waking from 0 ACU), StatementTimeoutException,
 * a transaction expired between calls, slow answers.
 *
 * For each: the run either recovers by itself or fails with a clear error; right after it, the schema
 * history tells the truth about what is in the database; if it failed, the next invocation (once a
 * lease the run may have left has expired) finishes the migrations; either way the database ends
 * equal to a clean run's, row for row, with nothing left behind.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mapConcurrently } from './support/concurrently';
import { commitOf, faultWhen, operationIs, statementIn, statementStarting, type FaultPlan } from './support/fault-plans';
import { recordFigures } from './support/figures';
import { crashReason } from './support/outcome';
import { historyContradictions, lastHistoryRows, probeEffects } from './support/shop-fixture';
import { checkRecovered, dataApiOver, invokeFunction, shopCopy, startShopWorld, untilLeaseExpired, type ShopWorld } from './support/shop-world';

const AREA = 'Data API faults';

let world: ShopWorld;
beforeAll(async () => {
  world = await startShopWorld('rel_data_api');
}, 120_000);
afterAll(() => world?.close());

// 0003 runs as a Data API transaction (a call per statement); 0001 and each statement of 0004 run
// folded into one DO block call (see support/shop-fixture.ts).
const BALANCE_BACKFILL = statementStarting('UPDATE accounts SET balance');
const RUNS_0001 = statementIn("INSERT INTO account_events (account_id, kind) SELECT id, 'adopted'");
const RUNS_0004_STATEMENT_2 = statementIn("INSERT INTO account_events (account_id, kind) SELECT id, 'dormant'");
const EMAIL_INDEX = statementStarting('CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS accounts_email_key');
const ORDERS_INDEX = statementStarting('CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_account_idx');
const PROGRESS_ROW = statementStarting('UPDATE "rds_migrate"."schema_history" SET statements_applied');
const LOCK_TAKE = statementStarting('WITH previous AS');
const LOCK_RELEASE = statementStarting('DELETE FROM "rds_migrate"."lock"');
const SNAPSHOT_PAGE = statementStarting('WITH page AS');

const serverError = (name: string, message: string) => ({ error: { name, message } });
const timedOut = serverError('StatementTimeoutException', 'Request timed out');

/** Each scenario: a fault plan, built fresh per run. */
const SCENARIOS: ReadonlyArray<{ readonly name: string; readonly plan: () => FaultPlan }> = [
  { name: 'connection dropped mid-call: a statement of 0003 ran in its transaction, its answer lost', plan: () => faultWhen(BALANCE_BACKFILL, { afterRun: { dropConnection: true } }) },
  { name: 'connection dropped mid-call: the commit of 0003 happened, its answer lost', plan: () => faultWhen(commitOf(BALANCE_BACKFILL), { afterRun: { dropConnection: true } }) },
  { name: 'connection dropped mid-call: the one call running 0001 committed, its answer lost', plan: () => faultWhen(RUNS_0001, { afterRun: { dropConnection: true } }) },
  { name: 'connection dropped mid-call: CREATE INDEX CONCURRENTLY built, its answer lost', plan: () => faultWhen(EMAIL_INDEX, { afterRun: { dropConnection: true } }) },
  { name: 'connection dropped mid-call: the lock lease taken, its answer lost', plan: () => faultWhen(LOCK_TAKE, { afterRun: { dropConnection: true } }) },
  { name: 'connection dropped mid-call: a snapshot page read, its answer lost', plan: () => faultWhen(SNAPSHOT_PAGE, { afterRun: { dropConnection: true } }) },
  { name: 'connection dropped before the call: a progress row of 0002', plan: () => faultWhen(PROGRESS_ROW, { dropConnection: true }) },
  { name: 'connection dropped before the call: the lock release', plan: () => faultWhen(LOCK_RELEASE, { dropConnection: true }) },
  { name: '5xx before the call: InternalServerErrorException on a statement of 0003', plan: () => faultWhen(BALANCE_BACKFILL, serverError('InternalServerErrorException', 'Internal error')) },
  { name: '5xx after the call: ServiceUnavailableError on the call running 0004 statement 2 (committed)', plan: () => faultWhen(RUNS_0004_STATEMENT_2, { afterRun: serverError('ServiceUnavailableError', 'Service unavailable') }) },
  { name: '5xx on every BeginTransaction for a while (3 calls)', plan: () => faultWhen(operationIs('BeginTransaction'), serverError('ServiceUnavailableError', 'Service unavailable'), 3) },
  { name: 'DatabaseResumingException on the first 4 calls (waking from 0 ACU)', plan: () => faultWhen(() => true, serverError('DatabaseResumingException', 'The database is resuming'), 4) },
  { name: 'StatementTimeoutException on a statement of 0003 that ran', plan: () => faultWhen(BALANCE_BACKFILL, { afterRun: timedOut }) },
  { name: 'StatementTimeoutException on the call running 0001 (it committed)', plan: () => faultWhen(RUNS_0001, { afterRun: timedOut }) },
  { name: 'StatementTimeoutException on CREATE INDEX CONCURRENTLY (the build goes on)', plan: () => faultWhen(ORDERS_INDEX, { afterRun: timedOut }) },
  { name: 'transaction expired between calls: 0003 before its backfill', plan: () => faultWhen(BALANCE_BACKFILL, { expireTransaction: true }) },
  { name: 'transaction expired between calls: 0003 before its commit', plan: () => faultWhen(commitOf(BALANCE_BACKFILL), { expireTransaction: true }) },
  { name: 'slow answers: every call 60 ms late', plan: () => faultWhen(() => true, { afterRun: { delayMs: 60 } }, Number.MAX_SAFE_INTEGER) },
  {
    name: 'slow answer: the call running 0001 answered twice the lease late (the heartbeat keeps the lease)',
    plan: () => faultWhen(RUNS_0001, { afterRun: { delayMs: 2 * world.leaseMs } }),
  },
];

interface ScenarioResult {
  readonly name: string;
  readonly fired: number;
  /** `same run`, `next run`, or why neither. */
  readonly recoveredBy: string;
  readonly problems: string[];
  readonly crashes: number;
  readonly rowsChecked: number;
  readonly rowsLost: number;
}

async function runScenario(name: string, plan: FaultPlan, index: number): Promise<ScenarioResult> {
  const db = await shopCopy(world, `rel_data_api_${index}`);
  const problems: string[] = [];
  let crashes = 0;
  const faulty = await dataApiOver(db, { faults: plan.hook });
  const clean = await dataApiOver(db);
  try {
    const first = await invokeFunction(world, { db, dataApi: faulty, functionName: `faulted-${index}` });
    if (plan.fired() === 0) problems.push(`${name}: the fault never fired`);
    if (!first.ok) {
      const crash = crashReason(first.error);
      if (crash) {
        crashes++;
        problems.push(`${name}: the run crashed: ${crash}`);
      }
    }
    // The Data API server the faulted run used goes away: what it left open is rolled back.
    await faulty.close();
    for (const c of historyContradictions(await probeEffects(db), await lastHistoryRows(db))) problems.push(`${name}, after the faulted run: ${c}`);
    let recoveredBy = first.ok && first.value.ok ? 'same run' : '';
    if (!recoveredBy) {
      await untilLeaseExpired(db);
      const next = await invokeFunction(world, { db, dataApi: clean, functionName: `next-${index}`, env: world.recoveryEnv });
      if (next.ok && next.value.ok) recoveredBy = 'next run';
      else problems.push(`${name}: the next run failed: ${next.ok ? 'verification failed' : (next.error as Error).message}`);
    }
    const check = await checkRecovered(world, db, name);
    problems.push(...check.problems);
    const failedWith = first.ok ? '' : ` (first run: ${(first.error as Error).name}: ${(first.error as Error).message.split('\n')[0]!.slice(0, 160)})`;
    return { name, fired: plan.fired(), recoveredBy: `${recoveredBy || 'not recovered'}${failedWith}`, problems, crashes, rowsChecked: check.rowsChecked, rowsLost: check.rowsLost };
  } finally {
    await faulty.close();
    await clean.close();
    await db.drop();
  }
}

describe('Data API faults during a migrate run', () => {
  it('end with the database as a clean run leaves it, the schema history truthful throughout', async () => {
    const results = await mapConcurrently(SCENARIOS, 2, (s, i) => runScenario(s.name, s.plan(), i));
    recordFigures(AREA, {
      faultsInjected: results.reduce((sum, r) => sum + r.fired, 0),
      runsRecovered: results.filter((r) => r.problems.length === 0).length,
      rowsChecked: results.reduce((sum, r) => sum + r.rowsChecked, 0),
      rowsLost: results.reduce((sum, r) => sum + r.rowsLost, 0),
      crashes: results.reduce((sum, r) => sum + r.crashes, 0),
    });
    // Which faults the function rides out within the run, and which need the next invocation.
    console.info(results.map((r) => `- ${r.name}: ${r.fired} fault(s), recovered by the ${r.recoveredBy}`).join('\n'));
    expect(results.flatMap((r) => r.problems)).toEqual([]);
  }, 300_000);
});
