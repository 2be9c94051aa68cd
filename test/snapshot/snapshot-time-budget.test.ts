/**
 * A snapshot with a time budget (the function's invocation) whose estimate was wrong: the export stops at
 * the page that finds the time spent and fails as any failed snapshot does (no manifest, no objects, no
 * multipart upload left), or sooner, once the pace of its export shows the rest cannot fit; and the
 * migration it guards does not run, its lock released.
 */
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ActionContext } from '../../lambda/actions/action-context';
import { runMigrateStep } from '../../lambda/actions/migrate-action';
import { status } from '../../lambda/engine/commands/status';
import type { TimeBudget } from '../../lambda/engine/run/time-budget';
import { silentLog } from '../../lambda/observability/log';
import { listSnapshots } from '../../lambda/snapshot/list-snapshots';
import { SnapshotError, SnapshotOutOfTime } from '../../lambda/snapshot/snapshot-error';
import { takeSnapshot, type SnapshotProgress } from '../../lambda/snapshot/take-snapshot';
import { useSnapshotStore } from '../support/snapshot-store';
import { essaysAndTagsSql } from './support/essays-and-tags';
import { bundled, bundleOf } from './support/bundle';
import { multipartUploadsInProgress } from './support/table-object';

const BUCKET = 'snapshot-time-budget';
const store = useSnapshotStore({
  database: 'snapshot_time_budget',
  bucket: BUCKET,
  sql: essaysAndTagsSql({ essays: 20_000, repeats: 4, tags: 500 }),
});

/** A budget with `checks` reads' worth of time: each read finds a minute, then nothing is left. */
function budgetOf(checks: number): TimeBudget & { readonly reads: () => number } {
  let reads = 0;
  return { remainingTimeMs: () => (++reads <= checks ? 60_000 : 0), reserveMs: 0, reads: () => reads };
}

/** Every object under `prefix` in the bucket. */
async function objectsUnder(prefix: string): Promise<string[]> {
  const listed = await store.s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
  return (listed.Contents ?? []).map((o) => o.Key!);
}

describe('takeSnapshot with a time budget', () => {
  // Pages of about 64 KiB: essays (about 2.9 MB of lines) takes dozens of pages.
  const paging = { responseBudgetBytes: 64 * 1024 };

  it.each(['physical', 'key'] as const)('in %s order, stops at the page that finds the time spent and leaves nothing behind', async (order) => {
    const prefix = `stopped-${order}/`;
    const budget = budgetOf(5);
    const error = await takeSnapshot({
      driver: store.db.driver(), s3: store.s3, bucket: BUCKET, prefix, schemaVersion: null, order, paging, timeBudget: budget,
    }).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(SnapshotError);
    expect((error as SnapshotError).cause).toBeInstanceOf(SnapshotOutOfTime);
    expect((error as Error).message).toMatch(
      /failed at table "public"\."(essays|tags)": SnapshotOutOfTime: the invocation's time ran out after \d+ s of export, [\d.]+ (kB|MB) of lines, while exporting table "public"\."(essays|tags)" \(table [12] of 2\); no snapshot was written, so no migration it guards runs\. The size estimate/,
    );
    expect(budget.reads()).toBeGreaterThan(5);
    expect(await listSnapshots({ s3: store.s3, bucket: BUCKET, prefix, database: store.db.name })).toEqual([]);
    expect(await objectsUnder(prefix)).toEqual([]);
    expect(await multipartUploadsInProgress(store.s3, BUCKET)).toEqual([]);
  });

  it('completes when the time lasts, reading the time after every page', async () => {
    const budget = budgetOf(10_000);
    const snapshot = await takeSnapshot({ driver: store.db.driver(), s3: store.s3, bucket: BUCKET, prefix: 'ample/', schemaVersion: null, paging, timeBudget: budget });
    expect(snapshot.totalRows).toBe(20_500);
    expect(budget.reads()).toBeGreaterThan(10);
  });
});

/**
 * A budget whose time passes only as pages are exported, at `bytesPerSecond` of lines: `progress` (the
 * snapshot's `onProgress`) spends each page's time, so the export's rate is exactly that one.
 */
function exportClock(startMs: number, bytesPerSecond: number) {
  let remaining = startMs;
  const exported = new Map<string, number>();
  return {
    budget: { remainingTimeMs: () => remaining, reserveMs: 0 } satisfies TimeBudget,
    progress: (p: SnapshotProgress) => {
      remaining -= ((p.bytes - (exported.get(p.table) ?? 0)) / bytesPerSecond) * 1000;
      exported.set(p.table, p.bytes);
    },
    remaining: () => remaining,
    exported: () => [...exported.values()].reduce((sum, bytes) => sum + bytes, 0),
  };
}

describe('takeSnapshot whose export is too slow for its time budget', () => {
  const paging = { responseBudgetBytes: 64 * 1024 };
  const rate = 100_000; // bytes of lines per second
  let total: number;

  beforeAll(async () => {
    total = (await takeSnapshot({ driver: store.db.driver(), s3: store.s3, bucket: BUCKET, prefix: 'measure/', schemaVersion: null, paging })).tables.reduce(
      (sum, t) => sum + t.bytes,
      0,
    );
  });

  it.each(['physical', 'key'] as const)(
    'in %s order, stops as soon as the pace shows the rest would take more than twice the time left, before the time is spent',
    async (order) => {
      // The export needs total / rate s and has 70% of that: the shortfall shows once
      // (total - done) / rate > 2 * (start - done / rate), i.e. done > 2 * rate * start - total = 0.4 * total.
      const start = (0.7 * total * 1000) / rate;
      const clock = exportClock(start, rate);
      const prefix = `slow-${order}/`;
      const error = await takeSnapshot({
        driver: store.db.driver(), s3: store.s3, bucket: BUCKET, prefix, schemaVersion: null, order, paging, parallelism: 1,
        timeBudget: clock.budget, onProgress: clock.progress,
      }).then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(SnapshotError);
      expect((error as SnapshotError).cause).toBeInstanceOf(SnapshotOutOfTime);
      expect((error as Error).message).toMatch(
        /SnapshotOutOfTime: the snapshot would not finish in the invocation's time: at the rate of its export so far \([\d.]+ (kB|MB) of table data a second over \d+ s\), the [\d.]+ (kB|MB) of table data still to read \(pg_table_size, less the share of rows exported\) would take about \d+ s, and \d+ s are left; it stopped while exporting table "public"\."(essays|tags)" \(table [12] of 2\); no snapshot was written, so no migration it guards runs\. The size estimate/,
      );
      // Stopped near 40% of the lines (table data and lines are not quite proportional), with time left.
      expect(clock.exported()).toBeGreaterThan(0.3 * total);
      expect(clock.exported()).toBeLessThan(0.6 * total);
      expect(clock.remaining()).toBeGreaterThan(0.3 * start);
      expect(await listSnapshots({ s3: store.s3, bucket: BUCKET, prefix, database: store.db.name })).toEqual([]);
      expect(await objectsUnder(prefix)).toEqual([]);
      expect(await multipartUploadsInProgress(store.s3, BUCKET)).toEqual([]);
    },
  );

  it('is not stopped while the rest would take less than twice the time left, and completes when it fits', async () => {
    const clock = exportClock((1.05 * total * 1000) / rate, rate);
    const snapshot = await takeSnapshot({
      driver: store.db.driver(), s3: store.s3, bucket: BUCKET, prefix: 'fits/', schemaVersion: null, paging, parallelism: 1,
      timeBudget: clock.budget, onProgress: clock.progress,
    });
    expect(snapshot.totalRows).toBe(20_500);
    expect(clock.remaining()).toBeGreaterThan(0);
  });
});

describe('the snapshot before migrating, in an invocation whose time runs out during the export', () => {
  it('fails the migrate step: the migration does not run, no snapshot is left, and the lock is released', async () => {
    const bundle = bundleOf([bundled('0001', 'essay_words', ['ALTER TABLE essays ADD COLUMN words int'])]);
    let exporting = false;
    const log = { ...silentLog, info: (message: string) => void (exporting ||= message === 'snapshot started') };
    // A minute until the export begins (the estimate fits it), then none.
    const timeBudget: TimeBudget = { remainingTimeMs: () => (exporting ? 0 : 60_000), reserveMs: 0 };
    const ctx: ActionContext = {
      driver: store.db.driver(), bundle, schemas: ['public'], appliedBy: 'test', log,
      snapshots: { s3: store.s3, bucket: BUCKET, prefix: 'migrate/', parallelism: 1 },
    };
    const error = await runMigrateStep(ctx, { timeBudget }).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(SnapshotError);
    expect((error as SnapshotError).cause).toBeInstanceOf(SnapshotOutOfTime);
    expect((await status(store.db.driver(), bundle)).current).toBeNull();
    const { rows } = await store.db.sql(`SELECT count(*)::int AS n FROM information_schema.columns WHERE table_name = 'essays' AND column_name = 'words'`);
    expect(rows[0].n).toBe(0);
    expect(await objectsUnder('migrate/')).toEqual([]);
    // The lock was released: the same step with time migrates at once (the lock does not wait by default).
    const next = await runMigrateStep({ ...ctx, log: silentLog }, { timeBudget: { remainingTimeMs: () => 600_000, reserveMs: 0 } });
    expect(next).toMatchObject({ done: true });
    expect((await status(store.db.driver(), bundle)).current).toBe('0001');
    expect(await listSnapshots({ s3: store.s3, bucket: BUCKET, prefix: 'migrate/', database: store.db.name })).toHaveLength(1);
  });

  it('takes no snapshot when the time is already spent: the step stops before its first migration, without an error', async () => {
    const bundle = bundleOf([
      bundled('0001', 'essay_words', ['ALTER TABLE essays ADD COLUMN words int']),
      bundled('0002', 'essay_lang', ['ALTER TABLE essays ADD COLUMN lang text']),
    ]);
    const ctx: ActionContext = {
      driver: store.db.driver(), bundle, schemas: ['public'], appliedBy: 'test', log: silentLog,
      snapshots: { s3: store.s3, bucket: BUCKET, prefix: 'spent/', parallelism: 1 },
    };
    const result = await runMigrateStep(ctx, { timeBudget: { remainingTimeMs: () => 0, reserveMs: 0 } });
    expect(result).toMatchObject({
      done: false,
      stopped: { reason: 'time-budget', version: '0002' },
      snapshot: { snapshot: null, skipped: "the invocation's time is used up: nothing is migrated or reverted in it, and the next invocation takes the snapshot" },
    });
    expect((await status(store.db.driver(), bundle)).current).toBe('0001');
    expect(await objectsUnder('spent/')).toEqual([]);
  });
});
