import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PgDriver } from '../../lambda/driver/pg/pg-driver';
import { createHandler } from '../../lambda/function/create-handler';
import { writeBundleFile } from '../../lambda/migrations/write-bundle';
import { startLocalS3, type LocalS3 } from '../../local/s3/local-s3';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { writeFixtureMigrations } from './support/fixture-migrations';
import { functionEnv, startLocalLambdaEndpoint, type LocalLambdaEndpoint } from './support/local-lambda-endpoint';
import { createProject, type TestProject } from './support/project';
import { runCli } from './support/run-cli';

const FUNCTION = 'AppStack-MigrationsFunction1A2B3C';
let db: TestDatabase;
let project: TestProject;
let lambda: LocalLambdaEndpoint;
const invoke = (...args: string[]) => runCli(['invoke', ...args, '--lambda-endpoint', lambda.endpoint], { cwd: project.dir, env: { RDS_MIGRATE_FUNCTION_NAME: FUNCTION } });

beforeAll(async () => {
  // The handler runs in this process: keep its CloudWatch metrics (EMF lines) off the test output.
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  db = await createTestDatabase('cli_invoke');
  project = await createProject('invoke');
  await writeFixtureMigrations(project);
  // The deployed function: the real handler, with the bundle the construct would compile, on the test database.
  const bundlePath = project.path('asset/migrations.json');
  await writeBundleFile(project.path('migrations'), bundlePath);
  const handler = createHandler({
    env: functionEnv({ functionName: FUNCTION, database: db.name, bundlePath }),
    driver: () => new PgDriver({ connectionString: db.url }),
  });
  lambda = await startLocalLambdaEndpoint(FUNCTION, handler, 'START RequestId: 42\nrun finished\nEND RequestId: 42\n');
});
afterAll(async () => {
  await lambda.close();
  await db.drop();
  await project.dispose();
});

describe('rds-migrate invoke: the deployed function through @aws-sdk/client-lambda', () => {
  it('status, migrate --to 0002, migrate, verify: the function\'s reports, printed as they came', async () => {
    const status = await invoke('status', '--json');
    expect(status.code).toBe(0);
    expect(status.json()).toMatchObject({ action: 'status', database: db.name, current: null, pending: ['0001', '0002', '0003'] });

    const migrate = await invoke('migrate', '--to', '2', '--json');
    expect(migrate.code).toBe(0);
    expect(migrate.json()).toMatchObject({ action: 'migrate', ok: true, migrate: { current: '0002' } });
    expect(lambda.events.slice(-1)).toEqual([{ action: 'migrate', targetVersion: '2' }]);
    const { rows } = await db.sql('SELECT DISTINCT applied_by FROM rds_migrate.schema_history');
    expect(rows).toEqual([{ applied_by: `lambda:${FUNCTION}` }]);

    const rest = await invoke('migrate');
    expect(rest.code).toBe(0);
    expect(rest.stdout).toMatch(/APPLIED +NAME +STATEMENTS +TIME\n0003 +add_confidence_check /);

    const verify = await invoke('verify');
    expect(verify.code).toBe(0);
    expect(verify.stdout).toContain(`Database ${db.name}`);
    expect(verify.stdout).toMatch(/Verification passed/);
  });

  it('a failed verification in the function exits 2', async () => {
    await db.sql('DROP INDEX invoices_customer_idx');
    const run = await invoke('verify', '--json');
    expect(run.code).toBe(2);
    expect(run.json().verification.ok).toBe(false);
    await db.sql('CREATE INDEX invoices_customer_idx ON invoices (customer)');
  });

  it('an error thrown in the function maps by its type: LockHeldError exits 3; --logs prints the log tail on stderr', async () => {
    await db.sql(
      "INSERT INTO rds_migrate.lock (id, owner, token, acquired_at, expires_at, heartbeat_at) VALUES (1, 'cli:dev@laptop', 't', now(), now() + interval '1 hour', now())",
    );
    const run = await invoke('migrate', '--json', '--logs');
    expect(run.code).toBe(3);
    expect(run.json().error).toMatchObject({ name: 'LockHeldError', errorType: 'LockHeldError', functionName: FUNCTION, exitCode: 3 });
    expect(run.json().error.message).toContain('The migration lock is held by "cli:dev@laptop"');
    expect(run.stderr).toContain(`--- log tail of ${FUNCTION} ---\nSTART RequestId: 42\nrun finished\nEND RequestId: 42\n---`);
    await db.sql('DELETE FROM rds_migrate.lock');
  });

  it('plan, rollback, baseline, repair and unlock: the other console actions, from the terminal', async () => {
    const nothing = await invoke('plan', '--json');
    expect(nothing.code).toBe(0);
    expect(nothing.json()).toMatchObject({ action: 'plan', database: db.name, current: '0003', migrations: [] });

    const preview = await invoke('rollback', '--to', '0002', '--dry-run', '--json');
    expect(preview.code).toBe(0);
    expect(preview.json()).toMatchObject({ action: 'plan', direction: 'down', current: '0003', target: '0002', migrations: [{ version: '0003', file: '0003_add_confidence_check/down.sql' }] });
    expect(lambda.events.slice(-1)).toEqual([{ action: 'plan', direction: 'down', targetVersion: '0002' }]);
    const previewText = await invoke('rollback', '--to', '0002', '--dry-run');
    expect(previewText.stdout).toContain('Plan (rollback): 0003 → 0002, 1 migration(s)');
    expect(previewText.stdout).toContain('ALTER TABLE invoices DROP CONSTRAINT IF EXISTS invoices_confidence_range;');
    expect((await db.sql(`SELECT count(*)::int AS n FROM pg_constraint WHERE conname = 'invoices_confidence_range'`)).rows[0].n).toBe(1);

    const back = await invoke('rollback', '--to', '0002', '--json');
    expect(back.code).toBe(0);
    expect(back.json()).toMatchObject({ action: 'rollback', ok: true, rollback: { current: '0002', reverted: [expect.objectContaining({ version: '0003' })] } });
    expect(lambda.events.slice(-1)).toEqual([{ action: 'rollback', targetVersion: '0002', confirm: '0002' }]);
    const plan = await invoke('plan', '--to', '3');
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain('Plan (migrate): 0002 → 0003, 1 migration(s)');
    expect(plan.stdout).toContain('ALTER TABLE invoices ADD CONSTRAINT invoices_confidence_range');
    expect((await invoke('migrate', '--json')).json()).toMatchObject({ ok: true, migrate: { current: '0003' } });

    // The database has a schema history: the function refuses to baseline it (exit 4).
    const baseline = await invoke('baseline', '--version', '0001', '--json');
    expect(baseline.code).toBe(4);
    expect(baseline.json().error).toMatchObject({ name: 'HistoryValidationError', exitCode: 4 });
    expect(lambda.events.slice(-1)).toEqual([{ action: 'baseline', version: '0001' }]);

    // 0003's recorded checksum differs from the bundle's (as after an edit): repair accepts the bundle's.
    const last0003 = `(SELECT max(installed_rank) FROM rds_migrate.schema_history WHERE version = '0003')`;
    await db.sql(`UPDATE rds_migrate.schema_history SET checksum = repeat('a', 64) WHERE installed_rank = ${last0003}`);
    const repaired = await invoke('repair', '--json');
    expect(repaired.code).toBe(0);
    expect(repaired.json()).toMatchObject({ action: 'repair', acceptedChecksums: [{ version: '0003', previous: 'a'.repeat(64) }], removedFailed: [] });
    const { rows: history } = await db.sql(`SELECT previous_checksum, repaired_by FROM rds_migrate.schema_history WHERE installed_rank = ${last0003}`);
    expect(history).toEqual([{ previous_checksum: 'a'.repeat(64), repaired_by: `lambda:${FUNCTION}` }]);
    expect((await invoke('repair')).stdout).toContain('Nothing to repair');

    await db.sql(
      "INSERT INTO rds_migrate.lock (id, owner, token, acquired_at, expires_at, heartbeat_at) VALUES (1, 'cli:dev@laptop', 't', now(), now() + interval '1 hour', now())",
    );
    const unlocked = await invoke('unlock');
    expect(unlocked.code).toBe(0);
    expect(unlocked.stdout).toContain('Released the lock held by cli:dev@laptop since');
    expect((await db.sql('SELECT count(*)::int AS n FROM rds_migrate.lock')).rows[0].n).toBe(0);
    expect((await invoke('unlock', '--json')).json()).toEqual({ action: 'unlock', database: db.name, released: false, holder: null });
  });

  it('bad input is refused before anything is sent (exit 4); an unknown function is a failure (exit 1)', async () => {
    const before = lambda.events.length;
    const dryRunMigrate = await invoke('migrate', '--dry-run');
    expect(dryRunMigrate.code).toBe(4);
    expect(dryRunMigrate.stderr).toContain('--dry-run is only for invoke rollback (plan is migrate\'s dry run), not migrate');
    const [noName, toWithStatus, badTo, rollbackWithoutTo, baselineWithoutVersion] = await Promise.all([
      runCli(['invoke', 'status', '--lambda-endpoint', lambda.endpoint], { cwd: project.dir }),
      invoke('status', '--to', '0002'),
      invoke('migrate', '--to', '0002; DROP TABLE invoices'),
      invoke('rollback'),
      invoke('baseline'),
    ]);
    expect(rollbackWithoutTo.code).toBe(4);
    expect(rollbackWithoutTo.stderr).toContain('--to <version> is required for invoke rollback');
    expect(baselineWithoutVersion.code).toBe(4);
    expect(baselineWithoutVersion.stderr).toContain('--version <version> is required for invoke baseline');
    expect(noName.code).toBe(4);
    expect(noName.stderr).toContain('--function-name is required (or RDS_MIGRATE_FUNCTION_NAME)');
    expect(toWithStatus.code).toBe(4);
    expect(toWithStatus.stderr).toContain('--to is only for invoke migrate, plan and rollback, not status');
    expect(badTo.code).toBe(4);
    expect(lambda.events.length).toBe(before);

    const unknown = await runCli(['invoke', 'status', '--function-name', 'NoSuchFunction', '--lambda-endpoint', lambda.endpoint, '--json'], { cwd: project.dir });
    expect(unknown.code).toBe(1);
    expect(unknown.json().error).toMatchObject({ name: 'ResourceNotFoundException', exitCode: 1 });
    expect(unknown.json().error.message).toContain('Function not found');
  });
});


describe('rds-migrate invoke: snapshots in the function\'s bucket', () => {
  const SNAPSHOTTING = 'AppStack-MigrationsFunctionWithBucket';
  let s3: LocalS3;
  let withBucket: LocalLambdaEndpoint;
  const invokeSnapshots = (...args: string[]) =>
    runCli(['invoke', ...args, '--function-name', SNAPSHOTTING, '--lambda-endpoint', withBucket.endpoint], { cwd: project.dir });

  beforeAll(async () => {
    s3 = await startLocalS3();
    await s3.createBucket('snapshots');
    const handler = createHandler({
      env: functionEnv({ functionName: SNAPSHOTTING, database: db.name, bundlePath: project.path('asset/migrations.json'), bucket: 'snapshots' }),
      driver: () => new PgDriver({ connectionString: db.url }),
      s3: s3.client(),
    });
    withBucket = await startLocalLambdaEndpoint(SNAPSHOTTING, handler);
  });
  afterAll(async () => {
    await withBucket?.close();
    await s3?.close();
  });

  it('list-snapshots and restore --snapshot-id --confirm: the snapshot taken by the function, listed, then restored over changed rows', async () => {
    const taken = await invokeSnapshots('snapshot', '--json');
    expect(taken.code).toBe(0);
    const snapshotId: string = taken.json().snapshot.snapshotId;

    const listed = await invokeSnapshots('list-snapshots', '--limit', '5', '--json');
    expect(listed.code).toBe(0);
    expect(listed.json()).toMatchObject({ action: 'list-snapshots', database: db.name, bucket: 'snapshots', total: 1, snapshots: [{ snapshotId, schemaVersion: '0003' }] });
    expect(withBucket.events.slice(-1)).toEqual([{ action: 'list-snapshots', limit: 5 }]);
    const table = await invokeSnapshots('list-snapshots');
    expect(table.stdout).toMatch(new RegExp(`SNAPSHOT +SCHEMA VERSION +TABLES +ROWS +SIZE +COMPLETED\\n${snapshotId} +0003 `));

    const before = (await db.sql('SELECT sum(total)::text AS s FROM invoices')).rows[0].s;
    await db.sql('UPDATE invoices SET total = 0');
    const events = withBucket.events.length;
    const unconfirmed = await invokeSnapshots('restore', '--snapshot-id', snapshotId, '--confirm', '20250314T091500Z-3fa9c01b');
    expect(unconfirmed.code).toBe(4);
    expect(unconfirmed.stderr).toContain(`--confirm must repeat the snapshot id ${snapshotId}`);
    expect(withBucket.events.length).toBe(events);

    const restored = await invokeSnapshots('restore', '--snapshot-id', snapshotId, '--confirm', snapshotId, '--json');
    expect(restored.code).toBe(0);
    expect(restored.json()).toMatchObject({ action: 'restore', database: db.name });
    expect(withBucket.events.slice(-1)).toEqual([{ action: 'restore', snapshotId, confirm: snapshotId }]);
    expect((await db.sql('SELECT sum(total)::text AS s FROM invoices')).rows[0].s).toBe(before);

    // A copy into a new schema: the event carries targetSchema; the live rows stay as they are.
    await db.sql('UPDATE invoices SET total = 0');
    const copied = await invokeSnapshots('restore', '--snapshot-id', snapshotId, '--confirm', snapshotId, '--target-schema', 'inspect', '--json');
    expect(copied.code, copied.stderr).toBe(0);
    expect(copied.json()).toMatchObject({ action: 'restore', database: db.name, schema: 'inspect' });
    expect(withBucket.events.slice(-1)).toEqual([{ action: 'restore', snapshotId, confirm: snapshotId, targetSchema: 'inspect' }]);
    expect((await db.sql('SELECT sum(total)::text AS s FROM inspect.invoices')).rows[0].s).toBe(before);
    expect((await db.sql('SELECT sum(total)::text AS s FROM invoices')).rows[0].s).toBe('0.00');
    const both = await invokeSnapshots('restore', '--snapshot-id', snapshotId, '--confirm', snapshotId, '--target-schema', 'x', '--target-database', 'y');
    expect(both.code).toBe(4);
    expect(both.stderr).toContain('--target-database or --target-schema, not both');
  });
});
