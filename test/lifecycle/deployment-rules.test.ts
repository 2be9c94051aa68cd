/**
 * The lifecycle rules around the main sequence (`synthesized-lifecycle.test.ts`), with the handlers
 * from sources over a real PostgreSQL: what `onRollback: down` refuses, what is and is not a stack
 * rollback, the deploy time limit, a lock held by another runner, the console's time budget, and a
 * malformed resource property.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startLocalS3 } from '../../local/s3/local-s3';
import { listSnapshots } from '../../lambda/snapshot/list-snapshots';
import type { MigrateActionReport } from '../../lambda/actions/migrate-action';
import type { MigrateInProgressReport } from '../../lambda/function/budgeted-migrate';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { sendRequest, type CloudFormationResponse } from './support/cloudformation';
import { inProcessRelease, lambdaContext, removeTaskRoots, type InProcessRelease } from './support/in-process';
import { releaseFolder, removeReleases } from './support/releases';

let db: TestDatabase;
beforeEach(async () => {
  db = await createTestDatabase('lifecycle_rules');
});
afterEach(() => db.drop());
afterAll(() => {
  removeTaskRoots();
  removeReleases();
});

const properties = (release: InProcessRelease, extra: Record<string, string> = {}) => ({ MigrationsChecksum: release.checksum, ...extra });

/** Writes a migration folder into a release folder. */
function addMigration(dir: string, folder: string, files: Record<string, string>): void {
  fs.mkdirSync(path.join(dir, folder));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, folder, name), text);
}

async function history(): Promise<string[]> {
  const { rows } = await db.sql('SELECT version, type, success FROM rds_migrate.schema_history ORDER BY installed_rank');
  return rows.map((r: { version: string; type: string; success: boolean }) => `${r.version}:${r.type}:${r.success}`);
}

/** Create with `old`, then an Update with `next` that fails; returns the physical id. */
async function failedUpgrade(old: InProcessRelease, next: InProcessRelease, onRollback: string): Promise<string> {
  const created = await sendRequest(old.functions(), { RequestType: 'Create', ResourceProperties: properties(old, { OnRollback: onRollback }) });
  expect(created.Status).toBe('SUCCESS');
  await db.sql(`INSERT INTO invoice (number) VALUES ('INV-1')`);
  const failed = await sendRequest(next.functions(), {
    RequestType: 'Update',
    PhysicalResourceId: created.PhysicalResourceId,
    ResourceProperties: properties(next, { OnRollback: onRollback }),
  });
  expect(failed.Status).toBe('FAILED');
  return created.PhysicalResourceId;
}

function rollback(old: InProcessRelease, next: InProcessRelease, physicalId: string, onRollback: string): Promise<CloudFormationResponse> {
  return sendRequest(old.functions(), {
    RequestType: 'Update',
    PhysicalResourceId: physicalId,
    ResourceProperties: properties(old, { OnRollback: onRollback }),
    OldResourceProperties: properties(next, { OnRollback: onRollback }),
  });
}

describe('stack rollback with onRollback down', () => {
  it('refuses, reverting nothing, when a version the failed deployment applied has no down script', async () => {
    const old = await inProcessRelease(db, releaseFolder('old', ['0001', '0002']));
    const irreversible = releaseFolder('irreversible', ['0001', '0002', '0005', '0006']);
    fs.rmSync(path.join(irreversible, '0005_add_invoice_paid', 'down.sql'));
    const next = await inProcessRelease(db, irreversible);
    const physicalId = await failedUpgrade(old, next, 'down');
    const before = await history();

    const response = await rollback(old, next, physicalId, 'down');
    expect(response.Status).toBe('FAILED');
    expect(response.Reason).toMatch(
      /^Stack rollback \(onRollback: down\) refused, nothing was reverted: the old bundle ends at 0002, and 0005 \(add_invoice_paid\) has no stored down script: it is irreversible/,
    );
    expect(response.Reason).toContain('restore the snapshot taken before the failed deployment, or deploy with onRollback: retain');
    expect(response.Reason).toMatch(/Logs: \/aws\/lambda\/migrations-fn, runId [0-9a-f-]{36}\./);
    expect(await history()).toEqual(before);
    const { rows } = await db.sql(`SELECT state, action, reason FROM rds_migrate.deployments ORDER BY started_at DESC LIMIT 1`);
    expect(rows[0]).toMatchObject({ state: 'failed', reason: expect.stringContaining('refused, nothing was reverted') });
  });

  it('refuses when the stored down script belongs to another edition of the migration than the one applied', async () => {
    const old = await inProcessRelease(db, releaseFolder('old', ['0001', '0002']));
    const next = await inProcessRelease(db, releaseFolder('next', ['0001', '0002', '0005', '0006']));
    const physicalId = await failedUpgrade(old, next, 'down');
    // As if another release had stored its own 0005 since.
    await db.sql(`UPDATE rds_migrate.down_scripts SET migration = jsonb_set(migration::jsonb, '{checksum}', '"0000"')::text WHERE version = '0005'`);
    const response = await rollback(old, next, physicalId, 'down');
    expect(response.Reason).toMatch(/0005 \(add_invoice_paid\) has a stored down script for another edition of the migration \(stored for checksum 0000, applied with [0-9a-f]{64}\)/);
  });

  it('refuses a version the failed deployment left unfinished; retain keeps it and reports it', async () => {
    const old = await inProcessRelease(db, releaseFolder('old', ['0001', '0002']));
    const dir = releaseFolder('unfinished', ['0001', '0002']);
    addMigration(dir, '0007_index_invoice_total', {
      // Runs statement by statement (CONCURRENTLY); the second fails (SQLSTATE 42703) after the first ran.
      'up.sql':
        'CREATE INDEX CONCURRENTLY IF NOT EXISTS invoice_total_idx ON invoice (total);\n\nCREATE INDEX CONCURRENTLY IF NOT EXISTS invoice_due_idx ON invoice (no_such_column);\n',
      'down.sql': 'DROP INDEX CONCURRENTLY IF EXISTS invoice_total_idx;\n',
    });
    const next = await inProcessRelease(db, dir);
    const physicalId = await failedUpgrade(old, next, 'down');
    expect(await history()).toEqual(['0001:sql:true', '0002:sql:true', '0007:sql:false']);

    const refused = await rollback(old, next, physicalId, 'down');
    expect(refused.Reason).toMatch(/0007 \(index_invoice_total\) is unfinished \(its schema history row says it failed part way\)/);

    const retained = await rollback(old, next, physicalId, 'retain');
    expect(retained).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: physicalId, Data: { CurrentVersion: '0002', Rollback: 'retain', RetainedVersions: '0007' } });
    expect(await history()).toEqual(['0001:sql:true', '0002:sql:true', '0007:sql:false']);
  });
});

describe('what is not a stack rollback', () => {
  it('an Update whose bundle lacks an applied version BELOW its last one is refused by migrate, naming it', async () => {
    const full = await inProcessRelease(db, releaseFolder('full', ['0001', '0002', '0005']));
    const created = await sendRequest(full.functions(), { RequestType: 'Create', ResourceProperties: properties(full) });
    expect(created.Status).toBe('SUCCESS');
    const gap = await inProcessRelease(db, releaseFolder('gap', ['0001', '0005']));
    const response = await sendRequest(gap.functions(), { RequestType: 'Update', PhysicalResourceId: created.PhysicalResourceId, ResourceProperties: properties(gap, { OnRollback: 'down' }) });
    expect(response.Status).toBe('FAILED');
    expect(response.Reason).toMatch(/^migrate refused, nothing was changed: - 0002 \(add_invoice_total\) is applied but not in the bundle/);
    expect(await history()).toEqual(['0001:sql:true', '0002:sql:true', '0005:sql:true']);
  });
});

describe('time limits', () => {
  it('fails the deployment past DeployTimeoutSeconds, naming what it applied and how to finish', async () => {
    const release = await inProcessRelease(db, releaseFolder('limit', ['0001', '0002']));
    // The onEvent invocation has no time to spend (its remaining time is all reserve): it stops before 0001.
    const functions = release.functions({ remainingMs: 5_000, env: { RDS_MIGRATE_TIME_RESERVE_MS: '5000' } });
    const onEvent = await functions.onEvent({ RequestType: 'Create', RequestId: 'limit-1', ResourceProperties: properties(release, { DeployTimeoutSeconds: '1' }) });
    expect(onEvent).toMatchObject({ ok: true, result: { PhysicalResourceId: `rds-migrate:${db.name}` } });
    expect((onEvent as { result: object }).result).not.toHaveProperty('Data');
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const poll = await functions.isComplete({
      RequestType: 'Create',
      RequestId: 'limit-1',
      PhysicalResourceId: `rds-migrate:${db.name}`,
      ResourceProperties: properties(release, { DeployTimeoutSeconds: '1' }),
    });
    expect(poll.ok).toBe(false);
    if (poll.ok) return;
    expect(poll.error.errorType).toBe('DeployFailedError');
    expect(poll.error.errorMessage).toMatch(
      /^The migration did not finish within the deploy time limit of 1 s\. Finish it by invoking the function with \{"action":"migrate"\} until it reports done, then deploy again/,
    );
    expect(poll.error.trace).toHaveLength(1);
    expect(await history()).toEqual([]);
  });

  it('a console migrate that runs out of time reports it is in progress; invoking it again finishes', async () => {
    const release = await inProcessRelease(db, releaseFolder('console', ['0001', '0002']));
    // 60 s left, all of it kept back.
    const stopped = (await release.invoke({ action: 'migrate' }, lambdaContext(60_000), { RDS_MIGRATE_TIME_RESERVE_MS: '60000' })) as MigrateInProgressReport;
    expect(stopped).toMatchObject({
      action: 'migrate',
      inProgress: true,
      stopped: { reason: 'time-budget', version: '0001', inProgress: false },
      message: 'Stopped before 0001 (create_invoice): the time budget of this invocation is used up. Invoke the function with {"action":"migrate"} again to continue.',
    });
    expect(await history()).toEqual([]);
    // 4 minutes: the default reserve is 60 s, the rest is plenty.
    const done = (await release.invoke({ action: 'migrate' }, lambdaContext(240_000))) as MigrateActionReport;
    expect(done).toMatchObject({ action: 'migrate', ok: true, migrate: { current: '0002' } });
    expect(done.migrate.applied.map((m) => m.version)).toEqual(['0001', '0002']);
  });
});

describe('the snapshot within the invocation', () => {
  it('is refused with its estimate when it would outlast the time the invocation may still spend, nothing migrated', async () => {
    const s3server = await startLocalS3();
    const s3 = s3server.client();
    try {
      await s3server.createBucket('snapshots');
      const first = await inProcessRelease(db, releaseFolder('snap-first', ['0001']), { bucket: 'snapshots', s3 });
      const created = await sendRequest(first.functions(), { RequestType: 'Create', ResourceProperties: properties(first) });
      expect(created.Status).toBe('SUCCESS');
      await db.sql(`INSERT INTO invoice (number) SELECT 'INV-' || n FROM generate_series(1, 2000) AS n`);
      await db.sql('ANALYZE invoice');
      const next = await inProcessRelease(db, releaseFolder('snap-next', ['0001', '0002']), { bucket: 'snapshots', s3 });
      // An export rate of 1 kB/s makes the table's estimate minutes long; the invocation may spend 20 s.
      const slow = { RDS_MIGRATE_SNAPSHOT_BYTES_PER_SECOND: '1000', RDS_MIGRATE_TIME_RESERVE_MS: '40000' };
      const update = { RequestType: 'Update' as const, PhysicalResourceId: created.PhysicalResourceId, ResourceProperties: properties(next) };
      const refused = await sendRequest(next.functions({ remainingMs: 60_000, env: slow }), update);
      expect(refused.Status).toBe('FAILED');
      expect(refused.Reason).toMatch(/^Snapshot refused: the snapshot before migrating \(scope full, schemas public\) is estimated at .*, over maxSeconds (1\d|20) s\. .*Nothing was exported and nothing was migrated/);
      expect(await history()).toEqual(['0001:sql:true']);
      // Without a Lambda context (no time limit) the same snapshot and migration go through.
      const done = await sendRequest(next.functions({ env: slow }), update);
      expect(done).toMatchObject({ Status: 'SUCCESS', Data: { Applied: '0002', SnapshotId: expect.stringMatching(/Z-[0-9a-f]{8}$/) } });
    } finally {
      s3.destroy();
      await s3server.close();
    }
  });
});

describe('a deployment that resumes an unfinished migration', () => {
  it('takes no new snapshot: the one taken before it started is its SnapshotId', async () => {
    const s3server = await startLocalS3();
    const s3 = s3server.client();
    try {
      await s3server.createBucket('snapshots');
      const listed = async () => (await listSnapshots({ s3, bucket: 'snapshots', prefix: 'snapshots/', database: db.name })).map((s) => s.snapshotId);
      const first = await inProcessRelease(db, releaseFolder('resume-first', ['0001']), { bucket: 'snapshots', s3 });
      const created = await sendRequest(first.functions(), { RequestType: 'Create', ResourceProperties: properties(first) });
      expect(created.Status).toBe('SUCCESS');
      await db.sql(`INSERT INTO invoice (number) VALUES ('INV-1'), ('')`);
      const dir = releaseFolder('resume-next', ['0001']);
      addMigration(dir, '0002_invoice_number_check', {
        // Statement by statement; the second fails while an invoice has an empty number.
        'up.sql': '-- rds-migrate: transaction=off\nALTER TABLE invoice ADD COLUMN note text;\n\nALTER TABLE invoice ADD CONSTRAINT invoice_number_not_empty CHECK (number <> \'\');\n',
      });
      const next = await inProcessRelease(db, dir, { bucket: 'snapshots', s3 });
      const update = { RequestType: 'Update' as const, PhysicalResourceId: created.PhysicalResourceId, ResourceProperties: properties(next) };
      const failed = await sendRequest(next.functions(), update);
      expect(failed.Status).toBe('FAILED');
      expect(await history()).toEqual(['0001:sql:true', '0002:sql:false']);
      const [before, atCreate] = await listed();
      expect(atCreate).toBe(created.Data.SnapshotId);

      // The deployment is retried once the data is fixed: it resumes 0002 at its second statement.
      await db.sql(`UPDATE invoice SET number = 'INV-2' WHERE number = ''`);
      const retried = await sendRequest(next.functions(), update);
      expect(retried).toMatchObject({ Status: 'SUCCESS', Data: { Applied: '0002', SnapshotId: before } });
      expect(await history()).toEqual(['0001:sql:true', '0002:sql:true']);
      expect(await listed()).toEqual([before, atCreate]);
    } finally {
      s3.destroy();
      await s3server.close();
    }
  });
});

describe('a lock held by another runner', () => {
  it('is waited for by polling, and the deployment completes once it is released', async () => {
    const release = await inProcessRelease(db, releaseFolder('lock', ['0001', '0002']));
    const created = await sendRequest(release.functions(), { RequestType: 'Create', ResourceProperties: properties(release) });
    expect(created.Status).toBe('SUCCESS');
    await db.sql(`INSERT INTO rds_migrate.lock (id, owner, token, acquired_at, expires_at, heartbeat_at)
      VALUES (1, 'cli:alice', 'held-by-alice', now(), now() + interval '10 minutes', now())`);
    const next = await inProcessRelease(db, releaseFolder('lock-next', ['0001', '0002', '0005']));
    const functions = next.functions();
    const request = { RequestType: 'Update', RequestId: 'lock-1', PhysicalResourceId: created.PhysicalResourceId, ResourceProperties: properties(next) };
    const onEvent = await functions.onEvent(request);
    expect(onEvent).toMatchObject({ ok: true, result: { PhysicalResourceId: created.PhysicalResourceId } });
    const waiting = await functions.isComplete({ ...request, ...(onEvent as { result: object }).result });
    expect(waiting).toMatchObject({ ok: true, result: { IsComplete: false } });
    const { rows } = await db.sql(`SELECT state, reason FROM rds_migrate.deployments WHERE request_id = 'lock-1'`);
    expect(rows[0]).toMatchObject({ state: 'running', reason: expect.stringContaining('"cli:alice"') });

    await db.sql(`DELETE FROM rds_migrate.lock`);
    const done = await functions.isComplete({ ...request, ...(onEvent as { result: object }).result });
    expect(done).toMatchObject({ ok: true, result: { IsComplete: true, Data: { CurrentVersion: '0005', Applied: '0005' } } });
  });
});

describe('resource properties', () => {
  it('refuses a malformed property before touching the database, naming it', async () => {
    const release = await inProcessRelease(db, releaseFolder('props', ['0001']));
    const response = await sendRequest(release.functions(), {
      RequestType: 'Create',
      ResourceProperties: properties(release, { OnRollback: 'revert', FinalSnapshot: 'yes', DeployTimeoutSeconds: '7200' }),
    });
    expect(response.Status).toBe('FAILED');
    expect(response.Reason).toContain('ResourceProperties.OnRollback: must be "retain" or "down"');
    expect(response.Reason).toContain('ResourceProperties.FinalSnapshot: must be "true" or "false"');
    expect(response.Reason).toContain('ResourceProperties.DeployTimeoutSeconds: must be at most 3600 seconds');
    expect(response.Reason).toMatch(/Logs: \/aws\/lambda\/migrations-fn, runId [0-9a-f-]{36}\.\n/);
    const { rows } = await db.sql(`SELECT to_regclass('rds_migrate.schema_history') IS NULL AS untouched`);
    expect(rows).toEqual([{ untouched: true }]);
  });
});
