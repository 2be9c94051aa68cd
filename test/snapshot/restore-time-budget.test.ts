/**
 * A restore with a time budget (the function's invocation): refused before anything changes when no time
 * is left, stopped after the batch that finds the time spent, rolled back (one transaction) or with the
 * tables not yet loaded left empty and named (per table), or sooner when its loading rate shows the rest
 * cannot fit; the function passes its invocation's budget.
 */
import type { Context } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TimeBudget } from '../../lambda/engine/run/time-budget';
import { RestoreError } from '../../lambda/snapshot/restore/restore-error';
import { restoreSnapshot, type RestoreProgress, type RestoreSnapshotOptions } from '../../lambda/snapshot/restore/restore-snapshot';
import { formatBytes } from '../../lambda/snapshot/budget/snapshot-budget';
import { readManifest } from '../../lambda/snapshot/manifest-store';
import { silentLog } from '../../lambda/observability/log';
import { takeSnapshot } from '../../lambda/snapshot/take-snapshot';
import { openLocalDataApiDriver } from '../support/local-data-api-driver';
import { useSnapshotStore } from '../support/snapshot-store';
import { withStoreHandler } from './support/store-handler';
import { NOTES_AND_TAGS_SQL } from './support/notes-and-tags';

const BUCKET = 'restore-time-budget';
const store = useSnapshotStore({ database: 'restore_time_budget', bucket: BUCKET, sql: NOTES_AND_TAGS_SQL });

/** A budget with `checks` checks' worth of time: each check reads the time once, then nothing is left. */
function budgetOf(checks: number): TimeBudget & { readonly reads: () => number } {
  let reads = 0;
  return { remainingTimeMs: () => (++reads <= checks ? 60_000 : 0), reserveMs: 0, reads: () => reads };
}

/** The rows of both tables, as text, to compare before and after. */
async function contents(): Promise<string> {
  const { rows } = await store.db.sql(
    `SELECT (SELECT count(*) FROM notes) || '/' || (SELECT count(*) FROM tags) || '/' || (SELECT coalesce(sum(hashtext(n::text)), 0) FROM notes n) AS c`,
  );
  return rows[0].c as string;
}

async function failure(options: Partial<RestoreSnapshotOptions>): Promise<RestoreError> {
  const error = await restoreSnapshot({
    driver: store.db.driver(), s3: store.s3, bucket: BUCKET, snapshotId, confirm: snapshotId, batchBytes: 4096, ...options,
  }).then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(RestoreError);
  return error as RestoreError;
}

let snapshotId: string;
let snapshotContents: string;

beforeAll(async () => {
  snapshotContents = await contents();
  snapshotId = (await takeSnapshot({ driver: store.db.driver(), s3: store.s3, bucket: BUCKET, schemaVersion: null })).snapshotId;
});

describe('restoreSnapshot with a time budget', () => {
  it('is refused before anything changes when no time is left', async () => {
    await store.db.sql(`DELETE FROM tags WHERE id > 100; UPDATE notes SET body = 'changed' WHERE id <= 10`);
    const changed = await contents();
    const error = await failure({ timeBudget: budgetOf(0) });
    expect(error).toMatchObject({ kind: 'time-budget', databaseChanged: false });
    expect(error.message).toMatch(/^Restore of snapshot \S+ refused: the invocation's time ran out before anything was loaded\. A restore must finish in one invocation: run it with the CLI \(`rds-migrate restore/);
    expect(error.message).toMatch(/nothing was changed$/);
    expect(await contents()).toBe(changed);
  });

  it('stops after the batch that finds the time spent and rolls everything back (one transaction)', async () => {
    const changed = await contents();
    const budget = budgetOf(4); // the check before loading, then three batches of notes
    const error = await failure({ timeBudget: budget });
    expect(error).toMatchObject({ kind: 'time-budget', databaseChanged: false });
    expect(error.message).toMatch(/the invocation's time ran out while loading table "public"\."notes", after \d+ of its 2000 rows\. A restore must finish in one invocation/);
    expect(error.message).toMatch(/; everything was rolled back; the database is as it was$/);
    expect(budget.reads()).toBe(5);
    expect(await contents()).toBe(changed);
  });

  it('through the Data API, ends its transaction at once, the statement still running included: no lock is left behind', async () => {
    // Each row's check sleeps 4 ms, so a batch of about 40 rows runs for about 160 ms: when the time runs out
    // after the first batch, the second is running on the transaction (sent as soon as the first answered),
    // and the service refuses a rollback until it ends.
    await store.db.sql(`
      CREATE SCHEMA slow;
      CREATE FUNCTION slow.check_slowly(t text) RETURNS boolean LANGUAGE sql AS $$ SELECT pg_sleep(0.004) IS NOT NULL $$;
      CREATE DOMAIN slow.slow_text AS text CHECK (slow.check_slowly(VALUE));
      CREATE TABLE slow.notes (id int PRIMARY KEY, body slow.slow_text NOT NULL);
      INSERT INTO slow.notes SELECT g, repeat(md5(g::text), 3) FROM generate_series(1, 120) AS g;`);
    const slow = await takeSnapshot({ driver: store.db.driver(), s3: store.s3, bucket: BUCKET, schemaVersion: null, schemas: ['slow'] });
    await store.db.sql('DELETE FROM slow.notes WHERE id > 60');
    const local = await openLocalDataApiDriver(store.db);
    try {
      const error = await failure({ driver: local.driver, snapshotId: slow.snapshotId, confirm: slow.snapshotId, timeBudget: budgetOf(2) });
      expect(error).toMatchObject({ kind: 'time-budget', databaseChanged: false });
      expect(error.message).toMatch(/while loading table "slow"\."notes", after \d+ of its 120 rows/);
      const { rows } = await store.db.sql(
        `SELECT (SELECT count(*)::int FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE c.relname = 'notes' AND l.pid <> pg_backend_pid()) AS locks,
                (SELECT count(*)::int FROM pg_stat_activity WHERE datname = current_database() AND state LIKE 'idle in transaction%') AS open,
                (SELECT count(*)::int FROM slow.notes) AS rows`,
      );
      expect(rows[0]).toEqual({ locks: 0, open: 0, rows: 60 });
    } finally {
      await local.close();
      await store.db.sql('DROP SCHEMA slow CASCADE');
    }
  });

  it('with per-table transactions, is refused when the time runs out while the objects are checked, before anything changes', async () => {
    const changed = await contents();
    const error = await failure({ transaction: 'per-table', timeBudget: budgetOf(1) });
    expect(error).toMatchObject({ kind: 'time-budget', databaseChanged: false });
    expect(error.message).toMatch(/refused: the invocation's time ran out while the snapshot's objects were checked, before anything was changed\. A restore must finish/);
    expect(await contents()).toBe(changed);
  });

  it('with per-table transactions, keeps the tables loaded before and names the ones left empty', async () => {
    const notesBatches = await countBatches('notes');
    const { tables } = await readManifest({ s3: store.s3, bucket: BUCKET, prefix: '', database: store.db.name, snapshotId });
    const total = tables.reduce((sum, t) => sum + t.bytes, 0);
    // Time for all at 10,000 bytes a second, so the pace lets the transaction that empties the tables commit
    // once it has loaded notes; then none left (the start, the two objects' checks and notes' batches read
    // the time, the unit of tags finds none).
    const clock = loadClock((1.05 * total * 1000) / 10_000, 10_000, 1 + 2 + notesBatches);
    const entries: Array<[string, Record<string, unknown> | undefined]> = [];
    const log = { ...silentLog, info: (message: string, extra?: Record<string, unknown>) => void entries.push([message, extra]) };
    // A user trigger on each table: disabled while the tables are emptied and loaded, enabled again at each
    // commit, the one of the table left empty included.
    await store.db.sql(`
      CREATE FUNCTION untouched() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
      CREATE TRIGGER notes_untouched BEFORE INSERT ON notes FOR EACH ROW EXECUTE FUNCTION untouched();
      CREATE TRIGGER tags_untouched BEFORE INSERT ON tags FOR EACH ROW EXECUTE FUNCTION untouched();`);
    try {
      const error = await failure({ transaction: 'per-table', timeBudget: clock.budget, onProgress: clock.progress, log });
      expect(entries.find(([message]) => message === 'restore tables emptied')?.[1]).toMatchObject({ loadedWithThem: ['"public"."notes"'] });
      expect(error).toMatchObject({ kind: 'time-budget', databaseChanged: true });
      expect(error.message).toMatch(/the invocation's time ran out before loading "public"\."tags"\. A restore must finish in one invocation/);
      expect(error.message).toMatch(/restored before the failure: "public"\."notes"; the others are empty until a restore succeeds$/);
      const { rows } = await store.db.sql(`SELECT (SELECT count(*)::int FROM notes) AS notes, (SELECT count(*)::int FROM tags) AS tags`);
      expect(rows[0]).toEqual({ notes: 2000, tags: 0 });
      const triggers = await store.db.sql(`SELECT tgname, tgenabled FROM pg_trigger WHERE tgname LIKE '%_untouched' ORDER BY tgname`);
      expect(triggers.rows).toEqual([{ tgname: 'notes_untouched', tgenabled: 'O' }, { tgname: 'tags_untouched', tgenabled: 'O' }]);
    } finally {
      await store.db.sql('DROP FUNCTION untouched() CASCADE');
    }
  });

  it('completes when the time lasts, and gives back the snapshot\'s rows', async () => {
    const budget = budgetOf(1_000);
    const report = await restoreSnapshot({ driver: store.db.driver(), s3: store.s3, bucket: BUCKET, snapshotId, confirm: snapshotId, batchBytes: 4096, timeBudget: budget });
    expect(report.totalRows).toBe(2700);
    expect(budget.reads()).toBeGreaterThan(5);
    expect(await contents()).toBe(snapshotContents);
  });
});

/**
 * A budget whose time passes only as batches load, at `bytesPerSecond` of lines: `progress` (the restore's
 * `onProgress`) spends each batch's time, so the rate the restore measures is exactly that one. After
 * `spentAfterReads` reads of the time, none is left.
 */
function loadClock(startMs: number, bytesPerSecond: number, spentAfterReads = Infinity) {
  let remaining = startMs;
  let reads = 0;
  const loaded = new Map<string, number>();
  const last: { progress?: RestoreProgress } = {};
  return {
    budget: { remainingTimeMs: () => (++reads > spentAfterReads ? 0 : remaining), reserveMs: 0 } satisfies TimeBudget,
    progress: (p: RestoreProgress) => {
      remaining -= ((p.bytes - (loaded.get(p.table) ?? 0)) / bytesPerSecond) * 1000;
      loaded.set(p.table, p.bytes);
      last.progress = p;
    },
    remaining: () => remaining,
    last,
  };
}

describe('restoreSnapshot whose loading is too slow for its time budget', () => {
  const rate = 10_000; // bytes of lines per second

  it('stops as soon as the rate so far shows the rest would take more than twice the time left, before the time is spent, and rolls everything back', async () => {
    const { tables } = await readManifest({ s3: store.s3, bucket: BUCKET, prefix: '', database: store.db.name, snapshotId });
    const total = tables.reduce((sum, t) => sum + t.bytes, 0);
    // The whole restore needs total / rate s; it has 70% of that: the shortfall shows once
    // (total - loaded) / rate > 2 * (start - loaded / rate), i.e. loaded > 2 * rate * start - total = 0.4 * total.
    const start = (0.7 * total * 1000) / rate;
    const clock = loadClock(start, rate);
    const changed = await contents();
    const error = await failure({ timeBudget: clock.budget, onProgress: clock.progress });
    expect(error).toMatchObject({ kind: 'time-budget', databaseChanged: false });
    const last = clock.last.progress!;
    expect(last.table).toBe('notes');
    expect(last.bytes).toBeGreaterThan(0.4 * total);
    expect(last.bytes).toBeLessThan(0.4 * total + 4096);
    expect(clock.remaining()).toBeGreaterThan(0.4 * start); // stopped with time left, not when it ran out
    expect(error.message).toContain(
      `failed: the restore would not finish in the invocation's time: at the rate of its loading so far (${formatBytes(rate)}/s over `,
    );
    expect(error.message).toContain(
      `the ${formatBytes(total - last.bytes)} of lines still to load would take about ${Math.ceil((total - last.bytes) / rate)} s, and ${Math.ceil(clock.remaining() / 1000)} s are left; ` +
        `it stopped while loading table "public"."notes", after ${last.rows} of its 2000 rows. A restore must finish in one invocation`,
    );
    expect(error.message).toMatch(/; everything was rolled back; the database is as it was$/);
    expect(await contents()).toBe(changed);
  });

  it('is not stopped while the rest would take less than twice the time left, and completes when it fits', async () => {
    const { tables } = await readManifest({ s3: store.s3, bucket: BUCKET, prefix: '', database: store.db.name, snapshotId });
    const total = tables.reduce((sum, t) => sum + t.bytes, 0);
    const clock = loadClock((1.05 * total * 1000) / rate, rate);
    const report = await restoreSnapshot({
      driver: store.db.driver(), s3: store.s3, bucket: BUCKET, snapshotId, confirm: snapshotId, batchBytes: 4096, timeBudget: clock.budget, onProgress: clock.progress,
    });
    expect(report.totalRows).toBe(2700);
    expect(await contents()).toBe(snapshotContents);
  });

  it('projects the bytes of the tables still to load after those loaded before', async () => {
    const { tables } = await readManifest({ s3: store.s3, bucket: BUCKET, prefix: '', database: store.db.name, snapshotId });
    const total = tables.reduce((sum, t) => sum + t.bytes, 0);
    const notes = tables.find((t) => t.table === 'notes')!.bytes;
    const tags = total - notes;
    // The shortfall shows once loaded > 2 * rate * start - total: half way through tags.
    const clock = loadClock(((total + notes + tags / 2) * 1000) / (2 * rate), rate);
    const error = await failure({ timeBudget: clock.budget, onProgress: clock.progress });
    expect(error).toMatchObject({ kind: 'time-budget', databaseChanged: false });
    const last = clock.last.progress!;
    expect(last.table).toBe('tags');
    expect(error.message).toContain(`the ${formatBytes(tags - last.bytes)} of lines still to load would take about ${Math.ceil((tags - last.bytes) / rate)} s`);
    expect(error.message).toMatch(/it stopped while loading table "public"\."tags", after \d+ of its 700 rows\. A restore must finish/);
    expect(await contents()).toBe(snapshotContents);
  });

  it('with per-table transactions, stops before the tables are emptied when the rest is not projected to fit by the time the rate is measured', async () => {
    await store.db.sql(`DELETE FROM tags WHERE id > 100; UPDATE notes SET body = 'changed' WHERE id <= 10`);
    const changed = await contents();
    const { tables } = await readManifest({ s3: store.s3, bucket: BUCKET, prefix: '', database: store.db.name, snapshotId });
    const total = tables.reduce((sum, t) => sum + t.bytes, 0);
    // Time for 90% of the restore: it would not stop one transaction (less than twice the time), but the
    // tables are emptied only with the rest projected to fit, so nothing is committed.
    const clock = loadClock((0.9 * total * 1000) / rate, rate);
    const error = await failure({ transaction: 'per-table', timeBudget: clock.budget, onProgress: clock.progress });
    expect(error).toMatchObject({ kind: 'time-budget', databaseChanged: false });
    expect(clock.last.progress!.bytes).toBeLessThan(0.5 * total); // stopped once the rate was measured (5 s of 19)
    expect(error.message).toMatch(/failed: the restore would not finish in the invocation's time: .* it stopped while loading table "public"\."notes", after \d+ of its 2000 rows\. A restore must finish/);
    expect(error.message).toMatch(/; the tables were not emptied; the database is as it was$/);
    expect(await contents()).toBe(changed);
    await countBatches('notes'); // a whole restore, for the tests after
    expect(await contents()).toBe(snapshotContents);
  });

  it('with per-table transactions and the rest projected to fit, commits the emptied tables with those loaded so far and completes', async () => {
    const { tables } = await readManifest({ s3: store.s3, bucket: BUCKET, prefix: '', database: store.db.name, snapshotId });
    const total = tables.reduce((sum, t) => sum + t.bytes, 0);
    const clock = loadClock((1.05 * total * 1000) / rate, rate);
    const entries: Array<[string, Record<string, unknown> | undefined]> = [];
    const log = { ...silentLog, info: (message: string, extra?: Record<string, unknown>) => void entries.push([message, extra]) };
    const report = await restoreSnapshot({
      driver: store.db.driver(), s3: store.s3, bucket: BUCKET, snapshotId, confirm: snapshotId, batchBytes: 4096, transaction: 'per-table',
      timeBudget: clock.budget, onProgress: clock.progress, log,
    });
    expect(report).toMatchObject({ transaction: 'per-table', totalRows: 2700 });
    expect(entries.find(([message]) => message === 'restore tables emptied')?.[1]).toMatchObject({ loadedWithThem: ['"public"."notes"'] });
    expect(await contents()).toBe(snapshotContents);
  });
});

/** The INSERT batches a restore with 4 KiB batches sends for `table`. */
async function countBatches(table: string): Promise<number> {
  const report = await restoreSnapshot({ driver: store.db.driver(), s3: store.s3, bucket: BUCKET, snapshotId, confirm: snapshotId, batchBytes: 4096 });
  return report.tables.find((t) => t.table === table)!.batches;
}

describe('the function', () => {
  it('gives a restore its invocation\'s time: none left, the restore is refused and nothing changes', async () => {
    await withStoreHandler(store, { env: { RDS_MIGRATE_TIME_RESERVE_MS: '0' } }, async (handler) => {
      const taken = (await handler({ action: 'snapshot' })) as { snapshot: { snapshotId: string } };
      await store.db.sql(`DELETE FROM tags WHERE id > 100`);
      const changed = await contents();
      const spent = { getRemainingTimeInMillis: () => 0, awsRequestId: 'request-1' } as unknown as Context;
      const restore = { action: 'restore', snapshotId: taken.snapshot.snapshotId, confirm: taken.snapshot.snapshotId };
      await expect(handler(restore, spent)).rejects.toThrow(/refused: the invocation's time ran out before anything was loaded/);
      expect(await contents()).toBe(changed);
      // With time left, the same event restores.
      const ample = { getRemainingTimeInMillis: () => 600_000, awsRequestId: 'request-2' } as unknown as Context;
      await expect(handler(restore, ample)).resolves.toMatchObject({ action: 'restore', restore: { totalRows: 2700 } });
      expect(await contents()).toBe(snapshotContents);
    });
  });
});
