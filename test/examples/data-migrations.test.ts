/**
 * A TypeScript data migration (native `up.ts`) end to end through the synthesized function: `cdk
 * synth` of the example app over `test/fixtures/data-migrations/app` bundles the module with esbuild
 * into the asset's `data/` folder (its helper from outside the migrations folder inlined), and the
 * function (CommonJS) imports it from there. migrate runs the backfill in checkpointed batches, logs
 * its progress, verifies; rollback runs the module's `down`; migrate runs it again; and a backfill
 * slower than the invocation's time budget is stopped between batches, shown in progress, and
 * continued by the next invocations until every row is updated exactly once; with snapshots on, the
 * invocations that resume it take no new snapshot and name the one taken before it started.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MigrateActionReport } from '../../lambda/actions/migrate-action';
import type { ListSnapshotsReport } from '../../lambda/actions/list-snapshots-action';
import type { MigrateInProgressReport } from '../../lambda/function/budgeted-migrate';
import { TIME_RESERVE_ENV } from '../../lambda/function/invocation-budget';
import { startExampleHarness, type ExampleHarness } from './support/example-harness';

const APP = fileURLToPath(new URL('../fixtures/data-migrations/app', import.meta.url));
const ROWS = 12_000;
const MODULE = 'data/0002_backfill_amount_cents.mjs';

let h: ExampleHarness;

beforeAll(async () => {
  // INFO: the progress lines are asserted on; no snapshot (this is about the data migration).
  h = await startExampleHarness({
    name: 'data_migrations',
    migrationsDir: APP,
    load: async () => undefined,
    environment: { POWERTOOLS_LOG_LEVEL: 'INFO', RDS_MIGRATE_SNAPSHOT_SCOPE: 'none' },
  });
}, 300_000);
afterAll(() => h?.close());

async function rowsTouched(): Promise<Record<string, number>> {
  const { rows } = await h.db.sql('SELECT touched, count(*)::int AS n FROM invoice GROUP BY touched ORDER BY touched');
  return Object.fromEntries(rows.map((r) => [String(r.touched), r.n]));
}

async function history(version: string): Promise<Array<{ type: string; success: boolean }>> {
  return (await h.db.sql('SELECT type, success FROM rds_migrate.schema_history WHERE version = $1 ORDER BY installed_rank', [version])).rows;
}

async function checkpoints(): Promise<Array<Record<string, unknown>>> {
  return (await h.db.sql('SELECT name, direction, rows_done::int AS rows, batches, finished FROM rds_migrate.backfill_progress ORDER BY direction, name')).rows;
}

async function hasAmountCents(): Promise<boolean> {
  const { rows } = await h.db.sql("SELECT count(*)::int AS n FROM information_schema.columns WHERE table_name = 'invoice' AND column_name = 'amount_cents'");
  return rows[0].n === 1;
}

/** The function's JSON log lines with this message. */
function logLines(logs: string, message: string): Array<Record<string, unknown>> {
  return logs
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((l) => l.message === message);
}

describe('a data migration through the synthesized function', () => {
  it('ships the bundled module in the function asset, next to migrations.json', async () => {
    expect(await readdir(path.join(h.fn.assetDir, 'data'))).toEqual([path.basename(MODULE)]);
    expect(h.bundle.migrations[1]).toMatchObject({ version: '0002', transactional: false, data: { module: MODULE, down: true }, up: { statements: [] } });
    // The helper was inlined: the asset has no shared/ folder to import it from.
    expect(await readFile(path.join(h.fn.assetDir, MODULE), 'utf8')).toContain('round(${column} * 100)::bigint');
  });

  it('plans the data step as the module, with no SQL', async () => {
    const plan = await h.plan();
    expect(plan.migrations.map((m) => m.version)).toEqual(['0001', '0002', '0003']);
    // The in-progress schema history row, the module, then the row marked applied.
    const steps = plan.migrations[1]!.steps;
    expect(steps.map((s) => (s.data ? 'data' : s.statements.map((st) => st.role).join('+')))).toEqual(['history', 'data', 'history']);
    expect(steps[1]).toEqual({ transaction: false, statements: [], data: { module: MODULE, direction: 'up' } });
  });

  it('migrates: the backfill runs in checkpointed batches, logs its progress without row data, and the verify script passes', async () => {
    const outcome = await h.fn.invoke<MigrateActionReport>({ action: 'migrate' });
    if (!outcome.ok) throw new Error(`migrate failed: ${outcome.error.errorMessage}\n${outcome.logs}`);
    const report = outcome.result;
    expect(report.ok).toBe(true);
    expect(report.migrate.applied.map((a) => a.version)).toEqual(['0001', '0002', '0003']);
    expect(report.verification.checks.filter((c) => !c.passed)).toEqual([]);

    expect(await rowsTouched()).toEqual({ 1: ROWS });
    expect((await h.db.sql('SELECT count(*)::int AS n FROM invoice WHERE amount_cents = round(amount * 100)')).rows[0].n).toBe(ROWS);
    // 12 full batches of 1,000 rows, then one that finds none left.
    expect(await checkpoints()).toEqual([{ name: 'public.invoice', direction: 'up', rows: ROWS, batches: 13, finished: true }]);
    expect(await history('0002')).toEqual([{ type: 'data', success: true }]);

    const progress = logLines(outcome.logs, 'data migration progress');
    expect(progress[0]).toMatchObject({ version: '0002', direction: 'up', loop: 'public.invoice', batches: 1, rows: 1000, totalRows: 1000, finished: false });
    expect(progress[progress.length - 1]).toMatchObject({ batches: 13, rows: ROWS, totalBatches: 13, totalRows: ROWS, finished: true });
    // Counts only: the lines carry no column values.
    for (const line of progress) expect(Object.keys(line).filter((k) => /amount|cents|touched|cursor/.test(k))).toEqual([]);
  });

  it('rolls back with the module\'s down, deleting its checkpoints, and migrates again', async () => {
    const reverted = await h.rollback('0001');
    expect(reverted.rollback.reverted.map((r) => r.version)).toEqual(['0003', '0002']);
    expect(await rowsTouched()).toEqual({ 0: ROWS });
    expect(await hasAmountCents()).toBe(false);
    expect(await checkpoints()).toEqual([]);
    expect(await history('0002')).toEqual([
      { type: 'data', success: true },
      { type: 'undo', success: true },
    ]);

    const again = await h.migrate();
    expect(again.migrate.applied.map((a) => a.version)).toEqual(['0002', '0003']);
    expect(await rowsTouched()).toEqual({ 1: ROWS });
    expect((await h.status()).migrations.map((m) => m.state)).toEqual(['applied', 'applied', 'applied']);
  });

  it('stops a backfill slower than the invocation\'s time budget between batches; the next invocations continue it, each row once', async () => {
    await h.rollback('0001');
    // Each batch now sleeps 0.4 s (its UPDATE's sub-select): 13 batches take over 5 s, the invocations have about 4.
    await h.db.sql('UPDATE batch_pacing SET seconds = 0.4');
    const seen: number[] = [];
    let finished: MigrateActionReport | undefined;
    for (let invocation = 1; invocation <= 30 && !finished; invocation++) {
      const outcome = await h.invokeWithBudget<MigrateActionReport | MigrateInProgressReport>({ action: 'migrate' }, { timeoutMs: 30_000, reserveMs: 26_000 });
      if (!outcome.ok) throw new Error(`migrate failed: ${outcome.error.errorMessage}\n${outcome.logs}`);
      const report = outcome.result;
      if (!('inProgress' in report)) {
        finished = report;
        break;
      }
      expect(report.message).toContain('Invoke the function with {"action":"migrate"} again to continue');
      if (report.stopped.reason !== 'time-budget' || report.stopped.version !== '0002' || !report.stopped.inProgress) continue;
      // In between: the migration reads in progress, its batches are checkpointed, 0003 waits.
      expect((await history('0002')).at(-1)).toEqual({ type: 'data', success: false });
      expect((await h.status()).migrations.map((m) => m.state)).toEqual(['applied', 'in-progress', 'pending']);
      expect((await history('0003')).at(-1)?.type).toBe('undo');
      // Stopped before its first batch (a loaded machine: the budget spent loading the module), the loop
      // has no checkpoint yet, or one of 0 rows.
      const [checkpoint] = await checkpoints();
      if (checkpoint) expect(checkpoint).toMatchObject({ name: 'public.invoice', direction: 'up', finished: false });
      seen.push(checkpoint ? (checkpoint.rows as number) : 0);
      // Between two batches, or (a loaded machine) before its next batch loop began.
      const stops = ['time budget used up: data migration stopped between batches', 'time budget used up: stopping before the next migration'];
      expect(stops.flatMap((m) => logLines(outcome.logs, m))).toHaveLength(1);
    }
    expect(finished?.ok).toBe(true);
    // Stopped in the middle of the backfill at least once, never losing what an earlier invocation did.
    expect(seen.length).toBeGreaterThanOrEqual(1);
    // At most every row: a loop whose last full batch is done reads ROWS before the empty batch that ends it.
    expect(seen.every((n, i) => n >= 0 && n <= ROWS && (i === 0 || n >= seen[i - 1]!)), `checkpoints seen: ${seen.join(', ')}`).toBe(true);
    expect(seen.some((n) => n > 0)).toBe(true);
    expect(await rowsTouched()).toEqual({ 1: ROWS });
    expect(await checkpoints()).toEqual([{ name: 'public.invoice', direction: 'up', rows: ROWS, batches: 13, finished: true }]);
    expect((await history('0002')).at(-1)).toEqual({ type: 'data', success: true });
    expect((await h.status()).migrations.map((m) => m.state)).toEqual(['applied', 'applied', 'applied']);
  });
  it('with snapshots on, a backfill spread over invocations has one snapshot: the resuming invocations reuse it and name it', async () => {
    await h.rollback('0001');
    await h.db.sql('UPDATE batch_pacing SET seconds = 0.6');
    // This file's function runs with scope none; these invocations take full snapshots.
    const environment = { [TIME_RESERVE_ENV]: '26000', RDS_MIGRATE_SNAPSHOT_SCOPE: 'full' };
    const taken: string[] = [];
    const reused: string[] = [];
    let finished: MigrateActionReport | undefined;
    for (let invocation = 1; invocation <= 30 && !finished; invocation++) {
      const last = (await history('0002')).at(-1);
      const resuming = last?.type === 'data' && !last.success;
      const outcome = await h.fn.invoke<MigrateActionReport | MigrateInProgressReport>({ action: 'migrate' }, environment, { timeoutMs: 30_000 });
      if (!outcome.ok) throw new Error(`migrate failed: ${outcome.error.errorMessage}\n${outcome.logs}`);
      const report = outcome.result;
      if (report.snapshot) {
        // Only an invocation that found 0002 not yet started takes one.
        expect(resuming).toBe(false);
        expect(report.snapshot).toMatchObject({ scope: 'full', schemaVersion: '0001' });
        taken.push(report.snapshot.snapshotId);
      }
      if (resuming) {
        expect(report.snapshot).toBeNull();
        expect(report.snapshotReused).toMatchObject({
          snapshotId: taken.at(-1),
          schemaVersion: '0001',
          taken: 'before-start',
          resumes: { version: '0002', name: 'backfill_amount_cents', state: 'in-progress' },
        });
        expect(report.snapshotReused!.reason).toContain(`snapshot ${taken.at(-1)} was taken before it started`);
        reused.push(report.snapshotReused!.snapshotId);
      }
      if (!('inProgress' in report)) finished = report;
    }
    expect(finished?.ok).toBe(true);
    expect(reused.length).toBeGreaterThanOrEqual(1);
    const listed = await h.invoke<ListSnapshotsReport>({ action: 'list-snapshots' });
    expect(listed.snapshots.map((s) => s.snapshotId)).toEqual([...taken].reverse());
    expect(await rowsTouched()).toEqual({ 1: ROWS });
  }, 180_000);
});
