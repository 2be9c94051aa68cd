/**
 * The snapshot before migrating when the run resumes an unfinished migration (`actions/covering-snapshot.ts`),
 * through the actions on real PostgreSQL and a local S3: a backfill stopped by its time budget and
 * resumed twice has one snapshot in all, named by every resumed run's report; a snapshot deleted in
 * between is replaced once, and the replacement then covers the rest of the run; a non-transactional
 * migration failed at its second statement is resumed under the snapshot taken before it, with the
 * `affected` scope's own rule; scope `none` looks for nothing; and keep-N retention keeps the snapshot
 * an unfinished migration relies on until it is finished.
 */
import { DeleteObjectsCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ActionContext, SnapshotTarget } from '../../lambda/actions/action-context';
import { runMigrate, runMigrateStep, type MigrateActionReport } from '../../lambda/actions/migrate-action';
import { runRollback } from '../../lambda/actions/rollback-action';
import { runSnapshot } from '../../lambda/actions/snapshot-action';
import { status } from '../../lambda/engine/commands/status';
import { moduleLoader } from '../../lambda/engine/data/module-loader';
import { MigrationError } from '../../lambda/engine/errors';
import type { TimeBudget } from '../../lambda/engine/run/time-budget';
import { recordTouches } from '../../lambda/migrations/record-touches';
import type { MigrationBundle } from '../../lambda/migrations/bundle';
import { silentLog } from '../../lambda/observability/log';
import { manifestKey, snapshotPrefix } from '../../lambda/snapshot/keys';
import { listSnapshots } from '../../lambda/snapshot/list-snapshots';
import { readManifest } from '../../lambda/snapshot/manifest-store';
import { buildBundle, type MigrationSpec } from '../engine/support/bundle';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { useSnapshotBucket } from '../support/snapshot-store';

const BUCKET = 'resumed';
const ROWS = 5_000;
const loadDataMigration = moduleLoader(path.join(import.meta.dirname, '../engine/fixtures/data-migrations'));

const create: MigrationSpec = {
  version: '0001',
  name: 'create_invoice',
  up: [
    'CREATE TABLE customer (id int PRIMARY KEY, name text NOT NULL)',
    'CREATE TABLE invoice (id int PRIMARY KEY, customer int REFERENCES customer, amount numeric(12, 2) NOT NULL, touched int NOT NULL DEFAULT 0)',
    'CREATE TABLE audit (id int PRIMARY KEY, what text)',
  ],
};
/** Backfills `amount_cents` in batches of 500 (`test/engine/fixtures/data-migrations/invoice-amount-cents.ts`). */
const backfill: MigrationSpec = { version: '0002', name: 'invoice_amount_cents', up: ['// up.ts source'], data: { module: 'invoice-amount-cents.ts', down: true } };
const after: MigrationSpec = { version: '0003', name: 'amount_cents_not_null', up: ['ALTER TABLE invoice ALTER COLUMN amount_cents SET NOT NULL'] };
/** Statement by statement; its second statement fails while an invoice has a negative amount. */
const constrain: MigrationSpec = {
  version: '0002',
  name: 'invoice_amount_check',
  directives: { transaction: false },
  up: ['ALTER TABLE invoice ADD COLUMN note text', 'ALTER TABLE invoice ADD CONSTRAINT amount_non_negative CHECK (amount >= 0)'],
};

const store = useSnapshotBucket(BUCKET);
let db: TestDatabase;
let prefix = '';
let run = 0;

beforeEach(async () => {
  db = await createTestDatabase('resumed_snapshot');
  prefix = `run${++run}/`;
});
afterEach(() => db.drop());

function context(bundle: MigrationBundle, snapshots: Partial<SnapshotTarget> | null, extra: Partial<ActionContext> = {}): ActionContext {
  return {
    driver: db.driver(), bundle, schemas: ['public'], appliedBy: 'test', log: silentLog, loadDataMigration,
    ...(snapshots ? { snapshots: { s3: store.s3, bucket: BUCKET, prefix, ...snapshots } } : {}),
    ...extra,
  };
}

/** Creates the tables with 0001 (no snapshot), then the rows. */
async function seed(bundle: MigrationBundle): Promise<void> {
  await runMigrate(context(bundle, { scope: 'none' }), { targetVersion: '0001' });
  await db.sql(`
    INSERT INTO customer SELECT g, 'c' || g FROM generate_series(1, 50) AS g;
    INSERT INTO invoice (id, customer, amount) SELECT g, 1 + g % 50, g / 100.0 FROM generate_series(1, ${ROWS}) AS g;
    INSERT INTO audit SELECT g, 'event ' || g FROM generate_series(1, 200) AS g;`);
}

/**
 * A migrate invocation whose time budget runs out after `batches` of the backfill: the progress
 * listener counts them, the budget reads 0 from then on, so the engine stops before the next batch.
 */
async function invocation(bundle: MigrationBundle, snapshots: Partial<SnapshotTarget>, batches: number) {
  let done = 0;
  const timeBudget: TimeBudget = { remainingTimeMs: () => (done >= batches ? 0 : 3_600_000), reserveMs: 0 };
  const result = await runMigrateStep(context(bundle, snapshots, { onDataProgress: () => void done++ }), { timeBudget });
  if (result.done) throw new Error('the backfill finished within one invocation: nothing left to resume');
  expect(result.stopped).toMatchObject({ reason: 'time-budget', name: 'invoice_amount_cents', inProgress: true });
  return result;
}

const snapshotIds = async () => (await listSnapshots({ s3: store.s3, bucket: BUCKET, prefix, database: db.name })).map((s) => s.snapshotId);
const rowsDone = async () => (await db.sql("SELECT rows_done::int AS n FROM rds_migrate.backfill_progress WHERE version = '0002'")).rows[0]?.n as number;
const startOf = async (version: string) =>
  (await db.sql("SELECT to_char(applied_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') AS at FROM rds_migrate.schema_history WHERE version = $1 AND NOT success", [version])).rows[0]?.at as string;

async function deleteSnapshot(snapshotId: string): Promise<void> {
  const listed = await store.s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: snapshotPrefix({ prefix, database: db.name }, snapshotId) }));
  const keys = (listed.Contents ?? []).map((o) => ({ Key: o.Key! }));
  expect(keys.length).toBeGreaterThan(1);
  await store.s3.send(new DeleteObjectsCommand({ Bucket: BUCKET, Delete: { Objects: keys } }));
}

describe('a backfill spread over several invocations', () => {
  it('takes one snapshot before it starts; the resumed invocations reuse it and their reports name it, with why', async () => {
    const bundle = buildBundle([create, backfill, after]);
    await seed(bundle);

    const first = await invocation(bundle, { scope: 'full' }, 1);
    const taken = first.snapshot?.snapshot;
    expect(taken).toMatchObject({ scope: 'full', schemaVersion: '0001' });
    expect(first.snapshot?.reused).toBeUndefined();
    expect(await rowsDone()).toBe(500);
    const startedAt = await startOf('0002');
    const manifest = await readManifest({ s3: store.s3, bucket: BUCKET, prefix, database: db.name, snapshotId: taken!.snapshotId });
    expect(Date.parse(manifest.createdAt)).toBeLessThanOrEqual(Date.parse(startedAt));

    const second = await invocation(bundle, { scope: 'full' }, 1);
    expect(second.snapshot?.snapshot).toBeNull();
    expect(second.snapshot?.reused).toEqual({
      snapshotId: taken!.snapshotId,
      manifest: taken!.manifest,
      createdAt: manifest.createdAt,
      schemaVersion: '0001',
      scope: 'full',
      resumes: { version: '0002', name: 'invoice_amount_cents', state: 'in-progress', startedAt },
      taken: 'before-start',
      reason:
        `resumes 0002 (invoice_amount_cents), started ${startedAt} and still in progress; snapshot ${taken!.snapshotId} was taken before it started ` +
        `(${manifest.createdAt}) at the same applied versions, and nothing else was migrated since: it is the state this run changes`,
    });
    expect(await rowsDone()).toBe(1000);

    // The last invocation has no budget (the CLI's migrate): it finishes 0002, applies 0003, verifies.
    const last = await runMigrate(context(bundle, { scope: 'full' }));
    expect(last.ok).toBe(true);
    expect(last.migrate.applied.map((m) => m.version)).toEqual(['0002', '0003']);
    expect(last.snapshot).toBeNull();
    expect(last.snapshotSkipped).toBeUndefined();
    expect(last.snapshotReused).toMatchObject({ snapshotId: taken!.snapshotId, taken: 'before-start', resumes: { version: '0002', state: 'in-progress' } });
    expect(await snapshotIds()).toEqual([taken!.snapshotId]);
    expect((await db.sql('SELECT touched, count(*)::int AS n FROM invoice GROUP BY touched')).rows).toEqual([{ touched: 1, n: ROWS }]);

    // Nothing is unfinished now: the next pending migration gets a snapshot of its own.
    const next = await runMigrate(context(buildBundle([create, backfill, after, { version: '0004', name: 'audit_kind', up: ['ALTER TABLE audit ADD COLUMN kind text'] }]), { scope: 'full' }));
    expect(next.snapshot).toMatchObject({ schemaVersion: '0003' });
    expect(next.snapshotReused).toBeUndefined();
  });

  it('takes a new snapshot when the one from before the start was deleted, and reuses that one for the rest of the run', async () => {
    const bundle = buildBundle([create, backfill, after]);
    await seed(bundle);
    const first = await invocation(bundle, { scope: 'full' }, 1);
    await deleteSnapshot(first.snapshot!.snapshot!.snapshotId);
    expect(await snapshotIds()).toEqual([]);

    const second = await invocation(bundle, { scope: 'full' }, 1);
    const replacement = second.snapshot?.snapshot;
    expect(replacement).toMatchObject({ scope: 'full', schemaVersion: '0001' });
    expect(second.snapshot?.reused).toBeUndefined();
    // Taken in the middle of the backfill, at the same applied versions.
    const manifest = await readManifest({ s3: store.s3, bucket: BUCKET, prefix, database: db.name, snapshotId: replacement!.snapshotId });
    expect(manifest.appliedVersions).toEqual(['0001']);
    expect(Date.parse(manifest.createdAt)).toBeGreaterThan(Date.parse(await startOf('0002')));

    const last = await runMigrate(context(bundle, { scope: 'full' }));
    expect(last.migrate.applied.map((m) => m.version)).toEqual(['0002', '0003']);
    expect(last.snapshot).toBeNull();
    expect(last.snapshotReused).toMatchObject({ snapshotId: replacement!.snapshotId, taken: 'while-unfinished' });
    expect(last.snapshotReused!.reason).toContain(`no snapshot from before it started remains, and snapshot ${replacement!.snapshotId} was taken while it was unfinished`);
    expect(await snapshotIds()).toEqual([replacement!.snapshotId]);
  });

  it('does not reuse a snapshot whose manifest cannot be read: it says so and takes a new one', async () => {
    const bundle = buildBundle([create, backfill, after]);
    await seed(bundle);
    const first = await invocation(bundle, { scope: 'full' }, 1);
    const broken = first.snapshot!.snapshot!.snapshotId;
    await store.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: manifestKey({ prefix, database: db.name }, broken), Body: '{"formatVersion": 2}' }));
    const warnings: string[] = [];
    const log = { ...silentLog, warn: (message: string, extra?: Record<string, unknown>) => void warnings.push(`${message} ${JSON.stringify(extra ?? {})}`) };
    const resumed = await runMigrate(context(bundle, { scope: 'full' }, { log }));
    expect(resumed.snapshotReused).toBeUndefined();
    expect(resumed.snapshot).toMatchObject({ schemaVersion: '0001' });
    expect(warnings.find((w) => w.startsWith('snapshot manifest unreadable: not considered to cover the resumed migration'))).toContain(broken);
  });

  it('does not reuse a snapshot taken before another migration ran since', async () => {
    // All three pending at once: the snapshot is at no version, 0001 is applied (with rows), then 0002 starts.
    const withRows = { ...create, up: [...create.up, `INSERT INTO invoice (id, amount) SELECT g, g / 100.0 FROM generate_series(1, ${ROWS}) AS g`] };
    const bundle = buildBundle([withRows, backfill, after]);
    const noRows = await invocation(bundle, { scope: 'full' }, 1);
    expect(noRows.snapshot?.snapshot).toMatchObject({ schemaVersion: null });
    expect(noRows.migrate.applied.map((m) => m.version)).toEqual(['0001']);
    // The resume finds 0001 applied since that snapshot: it is not the state 0002 started from.
    const resumed = await runMigrate(context(bundle, { scope: 'full' }));
    expect(resumed.snapshotReused).toBeUndefined();
    expect(resumed.snapshot).toMatchObject({ schemaVersion: '0001' });
    expect(await snapshotIds()).toHaveLength(2);
  });

  it('does not reuse a snapshot from before a migration that was applied and reverted since, at the same applied versions', async () => {
    const audit: MigrationSpec = { version: '0002', name: 'audit_kind', up: ['ALTER TABLE audit ADD COLUMN kind text'], down: ['ALTER TABLE audit DROP COLUMN kind'] };
    await seed(buildBundle([create]));
    const manual = await runSnapshot(context(buildBundle([create]), { scope: 'full' }));
    expect(manual.schemaVersion).toBe('0001');
    const withAudit = buildBundle([create, audit]);
    await runMigrate(context(withAudit, { scope: 'none' }), { targetVersion: '0002' });
    await runRollback(context(withAudit, { scope: 'none' }), { targetVersion: '0001', confirm: '0001' });
    // Back at 0001 as when the manual snapshot was taken, 0002 dropped from the bundle; the backfill
    // (0003) starts without a snapshot and stops.
    const bundle = buildBundle([create, { ...backfill, version: '0003' }]);
    await invocation(bundle, { scope: 'none' }, 1);
    expect((await status(db.driver(), bundle)).inProgress.map((m) => m.version)).toEqual(['0003']);
    // Same applied versions as the manual snapshot's, but 0002 ran and was reverted after it.
    const resumed = await runMigrate(context(bundle, { scope: 'full' }));
    expect(resumed.snapshotReused).toBeUndefined();
    expect(resumed.snapshot).toMatchObject({ schemaVersion: '0001' });
    expect(resumed.snapshot!.snapshotId).not.toBe(manual.snapshotId);
  });

  it('with scope none takes and looks for nothing, as before', async () => {
    const bundle = buildBundle([create, backfill, after]);
    await seed(bundle);
    await invocation(bundle, { scope: 'full' }, 1);
    const resumed = await runMigrate(context(bundle, { scope: 'none' }));
    expect(resumed.snapshot).toBeNull();
    expect(resumed.snapshotReused).toBeUndefined();
    expect(resumed.snapshotSkipped).toBe('the snapshot scope is none (RDS_MIGRATE_SNAPSHOT_SCOPE)');
  });
});

describe('a non-transactional migration failed at its second statement', () => {
  it('is resumed under the snapshot taken before it; an affected snapshot covers an affected run only', async () => {
    const bundle = await recordTouches(buildBundle([create, constrain]));
    await seed(bundle);
    await db.sql('UPDATE invoice SET amount = -1 WHERE id = 7');

    const failed = await runMigrate(context(bundle, { scope: 'affected' })).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(MigrationError);
    expect((await status(db.driver(), bundle)).failed.map((m) => [m.version, m.row?.statementsApplied])).toEqual([['0002', 1]]);
    const [taken] = await snapshotIds();
    const manifest = await readManifest({ s3: store.s3, bucket: BUCKET, prefix, database: db.name, snapshotId: taken! });
    // The affected scope: invoice, and customer, which it references.
    expect(manifest).toMatchObject({ scope: 'affected', appliedVersions: ['0001'] });
    expect(manifest.tables.map((t) => t.table).sort()).toEqual(['customer', 'invoice']);

    // Resumed at statement 2 and failing again: no new snapshot was taken for it.
    const log: string[] = [];
    const capture = { ...silentLog, info: (message: string, extra?: Record<string, unknown>) => void log.push(`${message} ${JSON.stringify(extra ?? {})}`) };
    const again = await runMigrate(context(bundle, { scope: 'affected' }, { log: capture })).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(MigrationError);
    expect(log.find((l) => l.startsWith('snapshot before migrating reused'))).toContain(`"snapshotId":"${taken}"`);
    expect(await snapshotIds()).toEqual([taken]);

    await db.sql('UPDATE invoice SET amount = 1 WHERE id = 7');
    const resumed: MigrateActionReport = await runMigrate(context(bundle, { scope: 'affected' }));
    // Statement 2 only: statement 1 ran in the first run.
    expect(resumed.migrate.applied.map((m) => [m.version, m.statements])).toEqual([['0002', 1]]);
    expect(resumed.snapshot).toBeNull();
    expect(resumed.snapshotReused).toMatchObject({
      snapshotId: taken,
      scope: 'affected',
      taken: 'before-start',
      resumes: { version: '0002', name: 'invoice_amount_check', state: 'failed' },
    });
    expect(resumed.snapshotReused!.reason).toMatch(/^resumes 0002 \(invoice_amount_check\), started \S+Z and failed at statement 2; snapshot /);
    expect(await snapshotIds()).toEqual([taken]);
  });

  it('takes a full snapshot when the scope is full and the one before it holds the affected tables only', async () => {
    const bundle = await recordTouches(buildBundle([create, constrain]));
    await seed(bundle);
    await db.sql('UPDATE invoice SET amount = -1 WHERE id = 7');
    await runMigrate(context(bundle, { scope: 'affected' })).catch((e: unknown) => e);
    const [affected] = await snapshotIds();
    await db.sql('UPDATE invoice SET amount = 1 WHERE id = 7');

    const resumed = await runMigrate(context(bundle, { scope: 'full' }));
    expect(resumed.migrate.applied.map((m) => m.version)).toEqual(['0002']);
    expect(resumed.snapshotReused).toBeUndefined();
    expect(resumed.snapshot).toMatchObject({ scope: 'full', schemaVersion: '0001' });
    expect(resumed.snapshot!.tables.map((t) => t.table).sort()).toEqual(['public.audit', 'public.customer', 'public.invoice']);
    expect((await snapshotIds()).sort()).toEqual([affected, resumed.snapshot!.snapshotId].sort());
  });
});

describe('keep-N retention while a migration is unfinished', () => {
  it('keeps the snapshot the resumed run relies on until the migration is finished', async () => {
    const bundle = buildBundle([create, backfill, after]);
    await seed(bundle);
    const first = await invocation(bundle, { scope: 'full', keep: 1 }, 1);
    const before = first.snapshot!.snapshot!.snapshotId;

    // A snapshot on demand in the middle of the backfill, keeping 1: the one before it started stays.
    const manual = await runSnapshot(context(bundle, { scope: 'full', keep: 1 }));
    expect(manual.pruned ?? []).toEqual([]);
    expect((await snapshotIds()).sort()).toEqual([before, manual.snapshotId].sort());

    // The resumed run still prefers the one taken before the start over the newer one taken while it was unfinished.
    const last = await runMigrate(context(bundle, { scope: 'full', keep: 1 }));
    expect(last.migrate.applied.map((m) => m.version)).toEqual(['0002', '0003']);
    expect(last.snapshotReused).toMatchObject({ snapshotId: before, taken: 'before-start' });

    // Finished: retention keeps the newest only again.
    const later = await runSnapshot(context(bundle, { scope: 'full', keep: 1 }));
    expect((later.pruned ?? []).sort()).toEqual([before, manual.snapshotId].sort());
    expect(await snapshotIds()).toEqual([later.snapshotId]);
  });
});
