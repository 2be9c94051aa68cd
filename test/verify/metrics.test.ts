/**
 * The function's run metrics in CloudWatch embedded metric format (Powertools Metrics) and its
 * structured logs, parsed from stdout: a scheduled or manual verify, a CloudFormation migrate, a
 * failing deploy (its reason carries the first failing checks), and nothing printed outside a run.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runVerify } from '../../lambda/actions/verify-action';
import { createHandler, type Handler } from '../../lambda/function/create-handler';
import { MAX_REASON_BYTES } from '../../lambda/function/failure-reason';
import type { MigrationBundle } from '../../lambda/migrations/bundle';
import { bundleChecksum } from '../../lambda/migrations/checksum';
import { bundleToJson } from '../../lambda/migrations/write-bundle';
import { functionLogger } from '../../lambda/observability/function-logger';
import { METRICS_NAMESPACE } from '../../lambda/observability/metrics';
import { buildBundle } from '../engine/support/bundle';
import { startLocalS3, type LocalS3 } from '../../local/s3/local-s3';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { captureOutput } from './support/capture-stdout';
import { actionContext, SCHEMA } from './support/fixture';

let db: TestDatabase;
let taskRoot: string;
let s3: LocalS3;
const env = process.env;

function handlerFor(extraEnv: Record<string, string> = {}, bundleFile = 'migrations.json'): Handler {
  return createHandler({
    env: {
      RDS_MIGRATE_CLUSTER_ARN: 'arn:aws:rds:us-east-1:123456789012:cluster:test',
      RDS_MIGRATE_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:test',
      RDS_MIGRATE_DATABASE: db.name,
      RDS_MIGRATE_BUNDLE_PATH: path.join(taskRoot, bundleFile),
      AWS_LAMBDA_FUNCTION_NAME: 'migrations-fn',
      ...extraEnv,
    },
    driver: () => db.driver(),
    s3: s3.client(),
  });
}

/**
 * Writes `bundle` where the handler reads it (`file` in the task root), with the checksum the compiler
 * would give it. The handler caches a bundle by path, as a warm Lambda does: a new bundle needs a new file.
 */
async function writeBundle(bundle: MigrationBundle, file = 'migrations.json'): Promise<void> {
  await writeFile(path.join(taskRoot, file), bundleToJson({ ...bundle, checksum: bundleChecksum(bundle.migrations) }));
}

/** Migrates with the handler, its output captured. */
async function deploy(): Promise<void> {
  const { error } = await captureOutput(() => handlerFor()(createEvent));
  expect(error).toBeUndefined();
}

const createEvent = { RequestType: 'Create', RequestId: 'r1', StackId: 's', LogicalResourceId: 'Migrations', ResourceProperties: { MigrationsChecksum: 'c1' } };

beforeAll(async () => {
  s3 = await startLocalS3();
  await s3.createBucket('snapshots');
});
afterAll(() => s3.close());

beforeEach(async () => {
  db = await createTestDatabase('verify_metrics');
  taskRoot = await mkdtemp(path.join(os.tmpdir(), 'rds-migrate-metrics-'));
  await writeBundle(buildBundle(SCHEMA));
  // Metrics print unless disabled; make sure a runner's environment does not disable them here.
  process.env = { ...env, POWERTOOLS_METRICS_DISABLED: 'false' };
});
afterEach(async () => {
  process.env = env;
  await rm(taskRoot, { recursive: true, force: true });
  await db.drop();
});

describe('run metrics (EMF)', () => {
  it('a CloudFormation migrate publishes MigrationDurationMs and the verification counts, dimensioned by service and database', async () => {
    const { result, error, output } = await captureOutput(() => handlerFor()(createEvent));
    expect(error).toBeUndefined();
    expect(result).toMatchObject({ PhysicalResourceId: `rds-migrate:${db.name}`, Data: { CurrentVersion: '0023' } });
    expect(output.emf).toHaveLength(1);
    const emf = output.emf[0]!;
    expect(emf._aws.CloudWatchMetrics).toEqual([
      {
        Namespace: METRICS_NAMESPACE,
        Dimensions: [['service', 'database']],
        Metrics: [
          { Name: 'VerificationFailures', Unit: 'Count' },
          { Name: 'DriftObjects', Unit: 'Count' },
          { Name: 'PendingMigrations', Unit: 'Count' },
          { Name: 'InvalidIndexes', Unit: 'Count' },
          { Name: 'MigrationDurationMs', Unit: 'Milliseconds' },
        ],
      },
    ]);
    expect(emf).toMatchObject({ service: 'rds-migrate', database: db.name, VerificationFailures: 0, DriftObjects: 0, PendingMigrations: 0, InvalidIndexes: 0 });
    expect(emf.MigrationDurationMs).toBeGreaterThan(0);
    expect(Math.abs(emf._aws.Timestamp - Date.now())).toBeLessThan(60_000);
  });

  it('a verify run counts failures, drift and pending migrations, and the failing deploy names the first failing checks', async () => {
    await deploy();
    await db.sql('DROP INDEX faktury_faktura_ocr_confidence_idx; ALTER TABLE faktury_faktura ADD COLUMN notatka text');
    const pendingBundle = buildBundle([...SCHEMA, { version: '0024', name: 'later', up: ['SELECT 1'] }]);
    await writeBundle(pendingBundle, 'migrations-0024.json');

    const scheduled = await captureOutput(() => handlerFor({}, 'migrations-0024.json')({ 'detail-type': 'Scheduled Event', source: 'aws.events', time: new Date().toISOString() }));
    const report = scheduled.result as { verification: { ok: boolean; counts: Record<string, number>; summary: string } };
    expect(report.verification.ok).toBe(false);
    expect(report.verification.counts).toMatchObject({ failures: 4, driftObjects: 2, pendingMigrations: 1 });
    expect(scheduled.output.emf).toHaveLength(1);
    expect(scheduled.output.emf[0]).toMatchObject({ database: db.name, VerificationFailures: 4, DriftObjects: 2, PendingMigrations: 1, InvalidIndexes: 0 });
    expect(scheduled.output.emf[0]!._aws.CloudWatchMetrics[0]!.Metrics.map((m) => m.Name)).not.toContain('MigrationDurationMs');
    expect(report.verification.summary.split('\n')).toEqual([
      expect.stringMatching(/^Verification failed: 4 errors, 0 warnings in \d+ checks \(drift: 2 objects; pending: 1; invalid indexes: 0\) in \d+ ms\.$/),
      'ERROR schema-history 0024_later/up.sql: 0024 (later) is pending',
      'ERROR verify-script 0022_add_ocr_indexes/verify.sql: 0022_add_ocr_indexes/verify.sql line 1 (statement 1) returned no rows',
      expect.stringMatching(/^ERROR drift column public\.faktury_faktura\.notatka: column public\.faktury_faktura\.notatka was added outside the migrations/),
      expect.stringMatching(/^ERROR drift index public\.faktury_faktura_ocr_confidence_idx: index public\.faktury_faktura_ocr_confidence_idx was removed/),
    ]);

    // A deploy that applies nothing compares with the recorded fingerprint: the drift fails it, and
    // the CloudFormation reason names the first failing checks.
    const update = { ...createEvent, RequestType: 'Update', PhysicalResourceId: `rds-migrate:${db.name}`, ResourceProperties: { MigrationsChecksum: 'c2' } };
    const failed = await captureOutput(() => handlerFor()(update));
    const reason = (failed.error as Error).message;
    expect(Buffer.byteLength(reason)).toBeLessThanOrEqual(MAX_REASON_BYTES);
    expect(reason).toMatch(
      /^Verification failed \(3 failing checks shown\): verify-script 0022_add_ocr_indexes\/verify.sql: .* \| drift column public\.faktury_faktura\.notatka: column public\.faktury_faktura\.notatka was added outside the migrations .* \| drift index public\.faktury_faktura_ocr_confidence_idx: index public\.faktury_faktura_ocr_confidence_idx was removed outside the migrations/,
    );
    expect(reason).toMatch(/Logs: \/aws\/lambda\/migrations-fn, runId [0-9a-f-]+\.$/);
    expect(failed.output.emf[0]).toMatchObject({ VerificationFailures: 3, DriftObjects: 2, PendingMigrations: 0 });

    // A deploy that applies 0024 records a new fingerprint (the drift before it becomes part of it):
    // only the verify script of 0022 still fails.
    const applied = await captureOutput(() => handlerFor({}, 'migrations-0024.json')(update));
    expect((applied.error as Error).message).toMatch(/^Verification failed \(1 failing check shown\): verify-script 0022_add_ocr_indexes\/verify.sql: /);
    expect(applied.output.emf[0]).toMatchObject({ VerificationFailures: 1, DriftObjects: 0, PendingMigrations: 0 });
    expect(applied.output.emf[0]!.MigrationDurationMs).toBeGreaterThan(0);
  });

  it('publishes SnapshotAgeHours when snapshots are configured', async () => {
    const withBucket = handlerFor({ RDS_MIGRATE_SNAPSHOT_BUCKET: 'snapshots', RDS_MIGRATE_S3_FORCE_PATH_STYLE: 'true' });
    const migrated = await captureOutput(() => withBucket({ action: 'migrate' }));
    expect(migrated.output.emf[0]).toMatchObject({ SnapshotAgeHours: 0 });
    const verified = await captureOutput(() => withBucket({ action: 'verify' }));
    expect(verified.output.emf[0]!._aws.CloudWatchMetrics[0]!.Metrics).toContainEqual({ Name: 'SnapshotAgeHours', Unit: 'None' });
    expect(verified.output.emf[0]!.SnapshotAgeHours).toBeGreaterThanOrEqual(0);
    expect(verified.output.emf[0]!.SnapshotAgeHours).toBeLessThan(0.1);
  });

  it('prints nothing outside a function run (the CLI calls the same actions)', async () => {
    await deploy();
    const { output } = await captureOutput(() => runVerify(actionContext(db.driver())));
    expect(output.stdout).toBe('');
  });
});

describe('logs', () => {
  it('are JSON lines carrying the run id, with no reserved key dropped', async () => {
    await deploy();
    await db.sql('DROP INDEX faktury_faktura_user_idx');
    const level = functionLogger.getLevelName();
    functionLogger.setLogLevel('INFO');
    try {
      const { output } = await captureOutput(() => handlerFor()({ action: 'verify' }, { awsRequestId: 'req-42' } as never));
      const logs = output.json.filter((j) => !('_aws' in j));
      expect(logs.length).toBeGreaterThan(2);
      expect(logs.every((l) => l.runId === 'req-42' && l.correlation_id === 'req-42')).toBe(true);
      expect(`${output.stdout}${output.stderr}`).not.toMatch(/reserved key/);
      expect(logs).toContainEqual(expect.objectContaining({
        level: 'WARN', message: 'verification check failed', check: 'drift', object: 'index public.faktury_faktura_user_idx',
        detail: expect.stringMatching(/^index public\.faktury_faktura_user_idx was removed outside the migrations/),
      }));
      expect(logs).toContainEqual(expect.objectContaining({ message: 'verification finished', ok: false, failures: 1, driftObjects: 1 }));
    } finally {
      functionLogger.setLogLevel(level as never);
    }
  });
});
