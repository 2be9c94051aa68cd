/**
 * The database restarted during a migration: a PostgreSQL server of this test's own (durable, fsync
 * on) is shut down fast or crashed (SIGQUIT: no checkpoint, WAL recovery on start) at chosen points of
 * a migrate run of the shop migration set, and started again, while the local Data API and the
 * function go on. For each: the schema history tells the truth about what survived, committed work
 * is not lost to the crash, and the run (retrying) or the next one ends with the database as a clean
 * run leaves it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FaultContext } from '../../local/data-api/faults';
import { commitOf, statementIn, statementStarting, type CallMatcher } from './support/fault-plans';
import { recordFigures } from './support/figures';
import { crashReason } from './support/outcome';
import { startRestartablePostgres, type RestartablePostgres, type RestartMode } from './support/restartable-postgres';
import { historyContradictions, lastHistoryRows, probeEffects } from './support/shop-fixture';
import { checkRecovered, dataApiOver, invokeFunction, shopCopy, startShopWorld, untilLeaseExpired, type ShopWorld } from './support/shop-world';

const AREA = 'database restart';

let server: RestartablePostgres;
let world: ShopWorld;
beforeAll(async () => {
  server = await startRestartablePostgres();
  world = await startShopWorld('rel_restart', { adminUrl: server.adminUrl });
}, 180_000);
afterAll(async () => {
  await world?.close();
  await server?.stop();
});

const SCENARIOS: ReadonlyArray<{ readonly name: string; readonly when: () => CallMatcher; readonly mode: RestartMode; readonly awaitRestart: boolean }> = [
  { name: 'fast shutdown and start, 0003 transaction open before its backfill', when: () => statementStarting('UPDATE accounts SET balance'), mode: 'fast', awaitRestart: true },
  { name: 'crash and start, before the commit of 0003', when: () => commitOf(statementStarting('UPDATE accounts SET balance')), mode: 'crash', awaitRestart: true },
  { name: 'crash and start, 0004 statement 2 committed, statement 3 about to run', when: () => statementIn('UPDATE orders SET total_cents'), mode: 'crash', awaitRestart: true },
  { name: 'crash while the call running 0001 runs', when: () => statementIn("INSERT INTO account_events (account_id, kind) SELECT id, 'adopted'"), mode: 'crash', awaitRestart: false },
  { name: 'crash while CREATE INDEX CONCURRENTLY of 0002 runs', when: () => statementStarting('CREATE UNIQUE INDEX CONCURRENTLY'), mode: 'crash', awaitRestart: false },
  { name: 'fast shutdown and start during the snapshot', when: () => statementStarting('WITH page AS'), mode: 'fast', awaitRestart: true },
];

describe('the database restarted during a migration', () => {
  it('loses no committed work and ends as a clean run, the schema history truthful', async () => {
    const problems: string[] = [];
    const outcomes: string[] = [];
    let restarts = 0;
    let recovered = 0;
    let crashes = 0;
    let rowsChecked = 0;
    let rowsLost = 0;
    for (const [index, scenario] of SCENARIOS.entries()) {
      const db = await shopCopy(world, `rel_restart_${index}`);
      const api = await dataApiOver(db);
      const matches = scenario.when();
      let restart: Promise<void> | undefined;
      api.faults = async (context: FaultContext) => {
        if (restart || !matches(context)) return undefined;
        restart = server.restart(scenario.mode);
        if (scenario.awaitRestart) await restart;
        return undefined;
      };
      try {
        const first = await invokeFunction(world, { db, dataApi: api, functionName: `restarted-${index}` });
        api.faults = undefined;
        await restart;
        if (!restart) problems.push(`${scenario.name}: the restart never happened`);
        else restarts++;
        if (!first.ok && crashReason(first.error)) {
          crashes++;
          problems.push(`${scenario.name}: the run crashed: ${crashReason(first.error)}`);
        }
        for (const c of historyContradictions(await probeEffects(db), await lastHistoryRows(db))) problems.push(`${scenario.name}, after the restart: ${c}`);
        let by = first.ok && first.value.ok ? 'same run' : '';
        if (!by) {
          await untilLeaseExpired(db);
          const next = await invokeFunction(world, { db, dataApi: api, functionName: `after-restart-${index}`, env: world.recoveryEnv });
          if (next.ok && next.value.ok) by = 'next run';
          else problems.push(`${scenario.name}: the next run failed: ${next.ok ? 'verification failed' : (next.error as Error).message}`);
        }
        const check = await checkRecovered(world, db, scenario.name);
        problems.push(...check.problems);
        rowsChecked += check.rowsChecked;
        rowsLost += check.rowsLost;
        if (by && check.problems.length === 0) recovered++;
        outcomes.push(`- ${scenario.name}: recovered by the ${by || 'no run'}${first.ok ? '' : ` (first run: ${(first.error as Error).message.split('\n')[0]!.slice(0, 160)})`}`);
      } finally {
        await api.close();
        await db.drop();
      }
    }
    recordFigures(AREA, { faultsInjected: restarts, runsRecovered: recovered, rowsChecked, rowsLost, crashes });
    console.info(outcomes.join('\n'));
    expect(problems).toEqual([]);
    expect(server.restarts).toBe(SCENARIOS.length);
  }, 300_000);
});
