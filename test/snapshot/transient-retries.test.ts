/**
 * Transient failures during a snapshot and a restore, injected through the local Data API's fault hook
 * (real wire protocol, real PostgreSQL): a lost page read is read again in the snapshot's transaction
 * (the same rows: the object is byte for byte the one of a run without faults); a lost call that aborted
 * the transaction on the server stops the export, saying so; a lost INSERT of a restore rolls the
 * transaction back and runs it again, so no row is loaded twice.
 */
import { afterAll, beforeAll, afterEach, describe, expect, it } from 'vitest';
import type { DataApiDriver } from '../../lambda/driver/data-api/data-api-driver';
import type { Driver, Transaction } from '../../lambda/driver/driver';
import { DriverError } from '../../lambda/driver/errors';
import { silentLog, type Log } from '../../lambda/observability/log';
import { listSnapshots } from '../../lambda/snapshot/list-snapshots';
import { restoreSnapshot } from '../../lambda/snapshot/restore/restore-snapshot';
import { RestoreError } from '../../lambda/snapshot/restore/restore-error';
import { SnapshotError } from '../../lambda/snapshot/snapshot-error';
import { takeSnapshot, type SnapshotResult } from '../../lambda/snapshot/take-snapshot';
import type { FaultContext } from '../../local/data-api/faults';
import type { LocalDataApi } from '../../local/data-api/server';
import { openLocalDataApiDriver, type LocalDataApiDriver } from '../support/local-data-api-driver';
import { useSnapshotStore } from '../support/snapshot-store';

const BUCKET = 'transient';
const FAST = { retries: 3, baseDelayMs: 5, maxDelayMs: 20 };
const store = useSnapshotStore({
  database: 'transient_retries',
  bucket: BUCKET,
  sql: `
    CREATE TABLE parents (id int PRIMARY KEY, name text NOT NULL);
    INSERT INTO parents SELECT g, 'parent ' || g FROM generate_series(1, 50) AS g;
    CREATE TABLE children (id serial PRIMARY KEY, parent int NOT NULL REFERENCES parents, body text NOT NULL);
    INSERT INTO children (parent, body) SELECT 1 + g % 50, repeat(md5(g::text), 8) FROM generate_series(1, 4000) AS g;
    CREATE TABLE heap (body text NOT NULL);
    INSERT INTO heap SELECT repeat(md5(g::text), 4) FROM generate_series(1, 3000) AS g;`,
});
let dataApiDriver: LocalDataApiDriver;
let api: LocalDataApi;
let driver: DataApiDriver;

beforeAll(async () => {
  dataApiDriver = await openLocalDataApiDriver(store.db);
  ({ api, driver: driver } = dataApiDriver);
});
afterEach(() => {
  api.faults = undefined;
});
afterAll(() => dataApiDriver?.close());

/** A page statement of the snapshot (`page-query.ts`: its result has piece_no). */
const isPageRead = ({ operation, request }: FaultContext) =>
  operation === 'ExecuteStatement' && String((request as { sql?: string })?.sql ?? '').includes('piece_no');

/** An INSERT batch of the restore (`load-table.ts`: it digests the rows it inserted). */
const isInsertBatch = ({ operation, request }: Pick<FaultContext, 'operation' | 'request'>) =>
  operation === 'ExecuteStatement' && String((request as { sql?: string })?.sql ?? '').includes('INSERT INTO') && String((request as { sql?: string })?.sql ?? '').includes('AS rds_target');

/** Logs the retries the code announces. */
const retryLog = (): Log & { retries: Array<Record<string, unknown>> } => {
  const retries: Array<Record<string, unknown>> = [];
  return { ...silentLog, retries, warn: (message: string, extra?: Record<string, unknown>) => void (message === 'transient error, retrying' && retries.push(extra ?? {})) };
};

/** Small pages: each table takes several page statements. */
const snapshot = (prefix: string, extra: Partial<Parameters<typeof takeSnapshot>[0]> = {}) =>
  takeSnapshot({ driver, s3: store.s3, bucket: BUCKET, prefix, schemaVersion: null, paging: { responseBudgetBytes: 64 * 1024 }, parallelism: 2, transientRetry: FAST, ...extra });

const objects = (result: SnapshotResult) => result.manifest.tables.map((t) => [t.table, t.order, t.rowCount, t.bytes, t.checksum]);

describe('snapshot page reads', () => {
  for (const order of ['physical', 'key'] as const) {
    it(`are read again in the same transaction after a lost answer, a 5xx or a resuming cluster (${order} order): the same objects as without faults`, async () => {
      const clean = await snapshot(`clean-${order}/`, { order });
      let pageCalls = 0;
      const injected: string[] = [];
      api.faults = (context) => {
        if (!isPageRead(context)) return undefined;
        pageCalls += 1;
        // The 2nd page read ran, its answer is lost; the 4th is refused with a 5xx; the 6th while the cluster resumes.
        if (pageCalls === 2) return injected.push('lost answer'), { afterRun: { dropConnection: true } };
        if (pageCalls === 4) return injected.push('5xx'), { error: { name: 'InternalServerErrorException', status: 500 } };
        if (pageCalls === 6) return injected.push('resuming'), { error: { name: 'DatabaseResumingException' } };
        return undefined;
      };
      const log = retryLog();
      const faulty = await snapshot(`faulty-${order}/`, { order, log });
      expect(injected).toEqual(['lost answer', '5xx', 'resuming']);
      expect(log.retries).toHaveLength(3);
      expect(log.retries.map((r) => r.what)).toEqual(expect.arrayContaining([expect.stringMatching(/^snapshot page of public\./)]));
      expect(objects(faulty)).toEqual(objects(clean));
    });
  }

  it('stop the export, saying so, when the lost call had aborted the transaction on the server', async () => {
    // The lost call failed on the server (the statement ran and raised an error) and its answer never came:
    // injected with a wrapper, since the local Data API runs the page statements as they are sent.
    let fired = false;
    const aborting: Driver = Object.assign(Object.create(store.db.driver()) as Driver, {
      beginTransaction: async (): Promise<Transaction> => {
        const tx = await store.db.driver().beginTransaction();
        return Object.assign(Object.create(tx) as Transaction, {
          execute: (async (sql: string, ...rest: unknown[]) => {
            if (!fired && sql.includes('piece_no')) {
              fired = true;
              await tx.execute('SELECT 1 / 0 AS boom').catch(() => undefined);
              throw new DriverError('Connection reset by peer', 'unavailable', 'ECONNRESET');
            }
            return (tx.execute as (...args: unknown[]) => unknown)(sql, ...rest);
          }) as Transaction['execute'],
        });
      },
    });
    const error = await snapshot('aborted/', { driver: aborting, parallelism: 1 }).catch((e: unknown) => e);
    expect(fired).toBe(true);
    expect(error).toBeInstanceOf(SnapshotError);
    expect((error as Error).message).toMatch(
      /snapshot page of public\.\w+: the read was lost \(ECONNRESET: Connection reset by peer\) and read again in the snapshot's transaction, but the snapshot transaction was aborted by the lost call, which failed on the server; the export stops rather than read at another instant/,
    );
  });

  it('stop the export when the retries are used up, and write no manifest', async () => {
    let pageCalls = 0;
    api.faults = (context) => (isPageRead(context) ? (pageCalls++, { error: { name: 'ServiceUnavailableError', status: 503 } }) : undefined);
    const error = await snapshot('exhausted/', { parallelism: 1, transientRetry: { retries: 2, baseDelayMs: 1, maxDelayMs: 2 } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SnapshotError);
    expect((error as Error).message).toContain('and read again in the snapshot\'s transaction, but the retries are used up (2)');
    expect(pageCalls).toBe(3);
    expect(await listSnapshots({ s3: store.s3, bucket: BUCKET, prefix: 'exhausted/', database: store.db.name })).toEqual([]);
  });
});

describe('restore batch writes', () => {
  it('after a lost INSERT, roll the transaction back and run it again: every row once, verified', async () => {
    const taken = await snapshot('restore/');
    await store.db.sql('DELETE FROM children WHERE id % 3 = 0; UPDATE parents SET name = upper(name); TRUNCATE heap');
    let inserts = 0;
    let begins = 0;
    api.faults = ({ operation, request }) => {
      if (operation === 'BeginTransaction') begins += 1;
      if (!isInsertBatch({ operation, request })) return undefined;
      inserts += 1;
      // The 3rd INSERT batch runs, and its answer is lost: resending it would load its rows twice.
      return inserts === 3 ? { afterRun: { dropConnection: true } } : undefined;
    };
    const log = retryLog();
    const report = await restoreSnapshot({
      driver, s3: store.s3, bucket: BUCKET, prefix: 'restore/', snapshotId: taken.snapshotId, confirm: taken.snapshotId, batchBytes: 32 * 1024, transientRetry: FAST, log,
    });
    expect(inserts).toBeGreaterThan(3);
    expect(begins).toBe(2);
    expect(log.retries).toEqual([expect.objectContaining({ what: 'restore transaction (rolled back, run again)', attempt: 1 })]);
    expect(report.tables.map((t) => [t.table, t.rows, t.verified])).toEqual([
      ['parents', 50, true], ['children', 4000, true], ['heap', 3000, true],
    ]);
    const counts = await store.db.sql(`SELECT (SELECT count(*)::int FROM children) AS children, (SELECT count(DISTINCT id)::int FROM children) AS ids,
      (SELECT count(*)::int FROM heap) AS heap, (SELECT count(*)::int FROM parents WHERE name = lower(name)) AS parents`);
    expect(counts.rows).toEqual([{ children: 4000, ids: 4000, heap: 3000, parents: 50 }]);
  });

  it('a commit whose answer is lost is not run again, and the error says the restore may have been committed', async () => {
    const taken = await snapshot('restore-commit/');
    await store.db.sql('DELETE FROM heap WHERE ctid IN (SELECT ctid FROM heap LIMIT 5)');
    let commits = 0;
    api.faults = ({ operation }) => (operation === 'CommitTransaction' && ++commits === 1 ? { afterRun: { dropConnection: true } } : undefined);
    const error = await restoreSnapshot({
      driver, s3: store.s3, bucket: BUCKET, prefix: 'restore-commit/', snapshotId: taken.snapshotId, confirm: taken.snapshotId, transientRetry: FAST,
    }).catch((e: unknown) => e);
    api.faults = undefined;
    expect(commits).toBe(1);
    expect(error).toBeInstanceOf(RestoreError);
    expect(error).toMatchObject({ databaseChanged: true });
    expect((error as Error).message).toContain("the commit's answer was lost, so the restore may have been committed or not: check the tables, or restore again");
    // It was committed: the rows deleted after the snapshot are back.
    expect((await store.db.sql('SELECT count(*)::int AS n FROM heap')).rows).toEqual([{ n: 3000 }]);
  });

  it('a restore whose retries are used up fails with the database as it was', async () => {
    const taken = await snapshot('restore-exhausted/');
    await store.db.sql('DELETE FROM heap WHERE ctid IN (SELECT ctid FROM heap LIMIT 10)');
    api.faults = ({ operation, request }) =>
      isInsertBatch({ operation, request }) ? { error: { name: 'ThrottlingException', status: 400 } } : undefined;
    const error = await restoreSnapshot({
      driver, s3: store.s3, bucket: BUCKET, prefix: 'restore-exhausted/', snapshotId: taken.snapshotId, confirm: taken.snapshotId, transientRetry: { retries: 1, baseDelayMs: 1, maxDelayMs: 2 },
    }).catch((e: unknown) => e);
    api.faults = undefined;
    expect(error).toBeInstanceOf(RestoreError);
    expect(error).toMatchObject({ databaseChanged: false });
    expect((error as Error).message).toContain('everything was rolled back; the database is as it was');
    expect((await store.db.sql('SELECT count(*)::int AS n FROM heap')).rows).toEqual([{ n: 2990 }]);
  });
});
