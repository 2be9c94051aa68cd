/**
 * The plan's word on the snapshot migrate would take before its first migration (`planSnapshotBeforeMigrate`,
 * the `snapshot` of `{"action":"plan"}`): its scope and the catalog's estimate, the budget refusal migrate
 * would meet, none with scope `none`, nothing without migrations to run; nothing is exported. And how the
 * CLI prints it (`rds-migrate invoke plan`).
 */
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { createColour } from '../../cli/output/colour';
import { createPrinter } from '../../cli/output/printer';
import { renderPlan, type PlanReport } from '../../cli/output/render-plan';
import type { ActionContext, SnapshotTarget } from '../../lambda/actions/action-context';
import { runPlan, type PlanActionReport } from '../../lambda/actions/plan-action';
import { silentLog } from '../../lambda/observability/log';
import { DEFAULT_EXPORT_BYTES_PER_SECOND } from '../../lambda/snapshot/budget/snapshot-budget';
import { useSnapshotStore } from '../support/snapshot-store';
import { essaysAndTagsSql } from './support/essays-and-tags';
import { bundled, bundleOf } from './support/bundle';
import { withStoreHandler } from './support/store-handler';

const BUCKET = 'plan-snapshot';
const store = useSnapshotStore({
  database: 'plan_snapshot',
  bucket: BUCKET,
  sql: essaysAndTagsSql({ essays: 5_000, repeats: 8, tags: 100 }),
});
const bundle = bundleOf([bundled('0001', 'essay_words', ['ALTER TABLE essays ADD COLUMN words int'])]);

function context(snapshots: Partial<SnapshotTarget> | null): ActionContext {
  return {
    driver: store.db.driver(), bundle, schemas: ['public'], appliedBy: 'test', log: silentLog,
    ...(snapshots ? { snapshots: { s3: store.s3, bucket: BUCKET, prefix: '', ...snapshots } } : {}),
  };
}

async function objects(): Promise<number> {
  return (await store.s3.send(new ListObjectsV2Command({ Bucket: BUCKET }))).KeyCount ?? 0;
}

function printed(report: PlanReport): string {
  let text = '';
  renderPlan(report, createPrinter({ write: (chunk: string) => void (text += chunk) } as never, createColour(false)));
  return text;
}

describe('the plan of migrate, on its snapshot', () => {
  it('gives the scope and the catalog\'s estimate of the snapshot migrate would take, and exports nothing', async () => {
    const report = await runPlan(context({}));
    const { rows } = await store.db.sql(`SELECT sum(pg_table_size(c.oid))::float8 AS bytes FROM pg_class c WHERE c.relname IN ('essays', 'tags')`);
    expect(report.snapshot).toMatchObject({ scope: 'full', estimate: { tables: 2, bytes: rows[0].bytes } });
    expect(report.snapshot!.estimate!.rows).toBeGreaterThan(5000);
    expect(report.snapshot!.estimate!.seconds).toBeCloseTo(rows[0].bytes / DEFAULT_EXPORT_BYTES_PER_SECOND, 6);
    expect(report.snapshot!.estimate!.largest.map((t) => t.table)).toEqual(['public.essays', 'public.tags']);
    expect(report.snapshot!.refused).toBeUndefined();
    expect(await objects()).toBe(0);
    expect(printed(report)).toContain('Snapshot first: scope full, 2 table(s), about ');
  });

  it('says migrate would be refused when the estimate is over the budget', async () => {
    const report = await runPlan(context({ budget: { maxBytes: 8192 } }));
    expect(report.migrations.map((m) => m.version)).toEqual(['0001']);
    expect(report.snapshot!.refused).toMatch(/^Snapshot refused: the snapshot before migrating \(scope full, schemas public\) is estimated at .* over maxBytes 8\.0 kB/);
    expect(printed(report)).toContain('Snapshot first: refused, so migrate would run nothing. Snapshot refused: ');
  });

  it('says none would be taken with scope none, and says nothing without migrations to run or a bucket', async () => {
    const none = await runPlan(context({ scope: 'none' }));
    expect(none.snapshot).toEqual({ skipped: 'the snapshot scope is none (RDS_MIGRATE_SNAPSHOT_SCOPE)' });
    expect(printed(none)).toContain('Snapshot first: none (the snapshot scope is none (RDS_MIGRATE_SNAPSHOT_SCOPE)).');
    expect((await runPlan(context(null))).snapshot).toBeUndefined();
    const nothingPending = await runPlan({ ...context({}), bundle: bundleOf([]) });
    expect(nothingPending.migrations).toEqual([]);
    expect(nothingPending.snapshot).toBeUndefined();
  });

  it('is in the function\'s answer to {"action":"plan"}', async () => {
    await withStoreHandler(store, { migrations: bundle.migrations }, async (handler) => {
      const report = (await handler({ action: 'plan' })) as PlanActionReport;
      expect(report.snapshot).toMatchObject({ scope: 'full', estimate: { tables: 2 } });
    });
    expect(await objects()).toBe(0);
  });
});
