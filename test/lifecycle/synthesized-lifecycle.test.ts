/**
 * The proof of the CloudFormation lifecycle (issue 6): the function bundles exactly as `cdk synth`
 * writes them to `cdk.out` (one example stack per release of the migrations), run as cold starts with
 * the environment their template gives them, pointed at the local Data API and S3 over a real
 * PostgreSQL, and driven the way CloudFormation and the CDK Provider framework drive them
 * (`support/cloudformation.ts`): onEvent, then isComplete polls.
 *
 * - retain (the default): Create, an Update with two new migrations that needs several invocations
 *   under a small time budget, an Update whose second migration fails, the stack rollback's Update
 *   with the old properties (run by the old release's functions), Delete.
 * - down (with a final snapshot): Create, a failing Update, the rollback reverting what it applied
 *   with the down script stored by the newer release, Delete with the final snapshot.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalAws, type LocalAws } from '../../local/environment/local-aws';
import { loadSynthesizedFunction, synth } from '../../local/lambda';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { sendRequest, type CloudFormationResponse, type ProviderFunctions } from './support/cloudformation';
import { LIFECYCLE_APP, type LifecycleRelease } from './support/lifecycle-release';
import { releaseFolder, removeReleases } from './support/releases';

interface TemplateJson {
  Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
}

let cdkOut: string;

const RELEASES = {
  A: ['0001', '0002'],
  B: ['0001', '0002', '0003', '0004'],
  C: ['0001', '0002', '0003', '0004', '0005', '0006'],
  D: ['0001', '0002', '0005', '0006'],
};

beforeAll(async () => {
  cdkOut = fs.mkdtempSync(path.join(os.tmpdir(), 'rds-migrate-lifecycle-out-'));
  const releases: LifecycleRelease[] = [
    { stackName: 'LifecycleA', migrationsDirectory: releaseFolder('a', RELEASES.A) },
    { stackName: 'LifecycleB', migrationsDirectory: releaseFolder('b', RELEASES.B) },
    { stackName: 'LifecycleC', migrationsDirectory: releaseFolder('c', RELEASES.C) },
    { stackName: 'LifecycleDownA', migrationsDirectory: releaseFolder('down-a', RELEASES.A), onRollback: 'down', finalSnapshot: true },
    { stackName: 'LifecycleDownD', migrationsDirectory: releaseFolder('down-d', RELEASES.D), onRollback: 'down', finalSnapshot: true },
  ];
  await synth({ outdir: cdkOut, app: LIFECYCLE_APP, context: { lifecycleReleases: JSON.stringify(releases) } });
}, 600_000);

afterAll(() => {
  fs.rmSync(cdkOut, { recursive: true, force: true });
  removeReleases();
});

function template(stackName: string): TemplateJson {
  return JSON.parse(fs.readFileSync(path.join(cdkOut, `${stackName}.template.json`), 'utf8')) as TemplateJson;
}

/** The migration resource's properties in a stack's template, as CloudFormation sends them. */
function resourceProperties(stackName: string): Record<string, unknown> {
  const resources = Object.values(template(stackName).Resources).filter((r) => r.Type === 'Custom::RdsMigrate');
  expect(resources).toHaveLength(1);
  return { ...resources[0]!.Properties, ServiceToken: `arn:aws:lambda:us-east-1:123456789012:function:${stackName}-framework-onEvent` };
}

/** A database, the local Data API and S3 over it, and each release's two functions. */
interface World {
  readonly db: TestDatabase;
  readonly aws: LocalAws;
  functions(stackName: string, extra?: { env?: Record<string, string>; timeoutMs?: number }): Promise<ProviderFunctions>;
  manifests(): Promise<string[]>;
  history(): Promise<Array<{ version: string; type: string; success: boolean }>>;
  columns(): Promise<string[]>;
  close(): Promise<void>;
}

async function world(prefix: string): Promise<World> {
  const db = await createTestDatabase(prefix);
  const aws = await startLocalAws({ databaseUrl: db.url });
  const s3 = aws.s3.client();
  return {
    db,
    aws,
    async functions(stackName, extra = {}) {
      const load = (role: 'onEvent' | 'isComplete') =>
        loadSynthesizedFunction({ cdkOut, stackName, synth: 'never', role, environment: aws.functionEnvironment(extra.env) });
      const [onEvent, isComplete] = await Promise.all([load('onEvent'), load('isComplete')]);
      const options = extra.timeoutMs ? { timeoutMs: extra.timeoutMs } : {};
      return {
        onEvent: (event) => onEvent.invoke(event, {}, options),
        isComplete: (event) => isComplete.invoke(event, {}, options),
        onEventName: onEvent.logicalId,
        isCompleteName: isComplete.logicalId,
      };
    },
    async manifests() {
      const listed = await s3.send(new ListObjectsV2Command({ Bucket: aws.bucket }));
      return (listed.Contents ?? []).map((o) => o.Key!).filter((k) => k.endsWith('/manifest.json')).sort();
    },
    async history() {
      const { rows } = await db.sql('SELECT version, type, success FROM rds_migrate.schema_history ORDER BY installed_rank');
      return rows as Array<{ version: string; type: string; success: boolean }>;
    },
    async columns() {
      const { rows } = await db.sql(`SELECT column_name FROM information_schema.columns WHERE table_name = 'invoice' ORDER BY ordinal_position`);
      return rows.map((r: { column_name: string }) => r.column_name);
    },
    async close() {
      s3.destroy();
      await aws.close();
      await db.drop();
    },
  };
}

/** Fails with the reason and the functions' logs when the response is not a SUCCESS. */
function expectSuccess(response: CloudFormationResponse): void {
  if (response.Status !== 'SUCCESS') {
    throw new Error(`expected SUCCESS, got FAILED: ${response.Reason}\n${response.invocations.map((i) => i.logs).join('\n')}`);
  }
}

/** A failure reason as CloudFormation shows it: under 4 KB, no stack trace, the logs named. */
function expectConciseReason(response: CloudFormationResponse, functionName: string): string {
  expect(response.Status).toBe('FAILED');
  const reason = response.Reason!;
  expect(Buffer.byteLength(reason)).toBeLessThan(4096);
  expect(reason).not.toMatch(/\n\s+at /);
  expect(reason).toMatch(new RegExp(`Logs: /aws/lambda/${functionName}, runId [0-9a-f-]{36}\\.`));
  return reason;
}

describe('lifecycle with onRollback retain (the default)', () => {
  let w: World;
  let physicalId: string;
  let snapshotsAfterCreate: string[];
  beforeAll(async () => {
    w = await world('lifecycle_retain');
  });
  afterAll(() => w?.close());

  it('Create migrates to the bundle\'s last version, snapshots first, and answers the attributes', async () => {
    const response = await sendRequest(await w.functions('LifecycleA'), { RequestType: 'Create', ResourceProperties: resourceProperties('LifecycleA') });
    expectSuccess(response);
    physicalId = response.PhysicalResourceId;
    expect(physicalId).toBe(`rds-migrate:${w.db.name}`);
    // Done in the onEvent invocation: the first poll reads that it is complete.
    expect(response.onEventResult).toMatchObject({ PhysicalResourceId: physicalId, Data: { CurrentVersion: '0002', Applied: '0001,0002' } });
    expect(response.polls).toBe(1);
    expect(response.Data).toEqual({ CurrentVersion: '0002', Applied: '0001,0002', SnapshotId: expect.stringMatching(/^\d{8}T\d{6}Z-[0-9a-f]{8}$/) });
    expect(await w.history()).toEqual([
      { version: '0001', type: 'sql', success: true },
      { version: '0002', type: 'sql', success: true },
    ]);
    snapshotsAfterCreate = await w.manifests();
    expect(snapshotsAfterCreate).toHaveLength(1);
    await w.db.sql(`INSERT INTO invoice (number, total) VALUES ('INV-1', 10), ('INV-2', 20)`);
  });

  it('Update with two long migrations continues across isComplete polls under a small time budget, with one snapshot', async () => {
    const [a, b] = [resourceProperties('LifecycleA'), resourceProperties('LifecycleB')];
    // New migrations change both hashes: CloudFormation sends the Update.
    expect(b.MigrationsChecksum).not.toBe(a.MigrationsChecksum);
    expect(b.HandlerCodeHash).not.toBe(a.HandlerCodeHash);
    // 30 s per invocation, 20 s of it kept back: each invocation may spend 10 s, and each migration sleeps 11 s.
    const functions = await w.functions('LifecycleB', { env: { RDS_MIGRATE_TIME_RESERVE_MS: '20000' }, timeoutMs: 30_000 });
    const response = await sendRequest(functions, { RequestType: 'Update', PhysicalResourceId: physicalId, ResourceProperties: b, OldResourceProperties: a });
    expectSuccess(response);
    expect(response.PhysicalResourceId).toBe(physicalId);
    // onEvent stopped before the end: no Data; the polls did the rest.
    expect(response.onEventResult).toEqual({ PhysicalResourceId: physicalId });
    expect(response.polls).toBeGreaterThanOrEqual(2);
    expect(response.invocations.every((i) => i.ok)).toBe(true);
    const manifests = await w.manifests();
    expect(manifests).toHaveLength(snapshotsAfterCreate.length + 1);
    const snapshotId = manifests.find((m) => !snapshotsAfterCreate.includes(m))!.split('/').slice(-2)[0];
    expect(response.Data).toEqual({ CurrentVersion: '0004', Applied: '0003,0004', SnapshotId: snapshotId });
    expect((await w.history()).map((h) => `${h.version}:${h.type}:${h.success}`)).toEqual(['0001:sql:true', '0002:sql:true', '0003:sql:true', '0004:sql:true']);
    const { rows } = await w.db.sql(`SELECT state, invocations, applied FROM rds_migrate.deployments ORDER BY started_at DESC LIMIT 1`);
    expect(rows[0]).toEqual({ state: 'succeeded', invocations: response.invocations.length, applied: '0003,0004' });
  }, 240_000);

  it('Update with a failing migration fails the deploy with the migration, file, line, SQLSTATE and the logs', async () => {
    const functions = await w.functions('LifecycleC');
    const response = await sendRequest(functions, {
      RequestType: 'Update',
      PhysicalResourceId: physicalId,
      ResourceProperties: resourceProperties('LifecycleC'),
      OldResourceProperties: resourceProperties('LifecycleB'),
    });
    // The onEvent invocation failed: the framework answered FAILED at once, without polling.
    expect(response.polls).toBe(0);
    const reason = expectConciseReason(response, functions.onEventName);
    // The framework adds its own pointer to the function's default log group name.
    expect(reason).toMatch(new RegExp(`\\n\\nLogs: /aws/lambda/${functions.onEventName}\\n$`));
    expect(reason).toMatch(/^Migration 0006 \(0006_duplicate_invoice_number\/up\.sql:4\) failed with SQLSTATE 23505: duplicate key value violates unique constraint "invoice_number_key"/);
    // 0005 ran before 0006 failed; 0006 left nothing.
    expect((await w.history()).map((h) => h.version)).toEqual(['0001', '0002', '0003', '0004', '0005']);
    expect(await w.columns()).toEqual(['id', 'number', 'total', 'customer', 'due_date', 'paid']);
  });

  it('the stack rollback\'s Update with the old properties, run by the old release, keeps the schema and succeeds', async () => {
    const before = await w.history();
    const response = await sendRequest(await w.functions('LifecycleB'), {
      RequestType: 'Update',
      PhysicalResourceId: physicalId,
      ResourceProperties: resourceProperties('LifecycleB'),
      OldResourceProperties: resourceProperties('LifecycleC'),
    });
    expectSuccess(response);
    expect(response.PhysicalResourceId).toBe(physicalId);
    expect(response.Data).toEqual({ CurrentVersion: '0005', Rollback: 'retain', RetainedVersions: '0005' });
    expect(await w.history()).toEqual(before);
    expect(await w.columns()).toEqual(['id', 'number', 'total', 'customer', 'due_date', 'paid']);
  });

  it('Delete leaves the schema, the data and the history as they are, and takes no snapshot', async () => {
    const [history, manifests] = [await w.history(), await w.manifests()];
    const response = await sendRequest(await w.functions('LifecycleB'), { RequestType: 'Delete', PhysicalResourceId: physicalId, ResourceProperties: resourceProperties('LifecycleB') });
    expectSuccess(response);
    expect(response).toMatchObject({ PhysicalResourceId: physicalId, Data: {}, polls: 1 });
    expect(await w.history()).toEqual(history);
    expect(await w.manifests()).toEqual(manifests);
    const { rows } = await w.db.sql(`SELECT number, total FROM invoice ORDER BY number`);
    expect(rows).toEqual([
      { number: 'INV-1', total: '10.00' },
      { number: 'INV-2', total: '20.00' },
    ]);
  });
});

describe('lifecycle with onRollback down and a final snapshot', () => {
  let w: World;
  let physicalId: string;
  beforeAll(async () => {
    w = await world('lifecycle_down');
  });
  afterAll(() => w?.close());

  it('Create, then an Update whose second migration fails after storing its down scripts', async () => {
    const created = await sendRequest(await w.functions('LifecycleDownA'), { RequestType: 'Create', ResourceProperties: resourceProperties('LifecycleDownA') });
    expectSuccess(created);
    physicalId = created.PhysicalResourceId;
    expect(resourceProperties('LifecycleDownA')).toMatchObject({ OnRollback: 'down', FinalSnapshot: 'true' });
    await w.db.sql(`INSERT INTO invoice (number, total) VALUES ('INV-1', 10)`);

    const failed = await sendRequest(await w.functions('LifecycleDownD'), {
      RequestType: 'Update',
      PhysicalResourceId: physicalId,
      ResourceProperties: resourceProperties('LifecycleDownD'),
      OldResourceProperties: resourceProperties('LifecycleDownA'),
    });
    expect(failed.Status).toBe('FAILED');
    expect(failed.Reason).toMatch(/^Migration 0006 \(0006_duplicate_invoice_number\/up\.sql:4\) failed with SQLSTATE 23505/);
    expect((await w.history()).map((h) => h.version)).toEqual(['0001', '0002', '0005']);
    const { rows } = await w.db.sql(`SELECT version FROM rds_migrate.down_scripts ORDER BY version`);
    expect(rows.map((r: { version: string }) => r.version)).toEqual(['0001', '0002', '0005']);
  });

  it('the rollback\'s Update reverts what the failed deployment applied, with the newer release\'s stored down script, after a snapshot', async () => {
    const manifests = await w.manifests();
    const response = await sendRequest(await w.functions('LifecycleDownA'), {
      RequestType: 'Update',
      PhysicalResourceId: physicalId,
      ResourceProperties: resourceProperties('LifecycleDownA'),
      OldResourceProperties: resourceProperties('LifecycleDownD'),
    });
    expectSuccess(response);
    expect(response.PhysicalResourceId).toBe(physicalId);
    expect(response.Data).toEqual({ CurrentVersion: '0002', Rollback: 'down', Reverted: '0005', SnapshotId: expect.stringMatching(/^\d{8}T\d{6}Z-[0-9a-f]{8}$/) });
    expect(await w.manifests()).toHaveLength(manifests.length + 1);
    expect(await w.columns()).toEqual(['id', 'number', 'total']);
    expect((await w.history()).map((h) => `${h.version}:${h.type}`)).toEqual(['0001:sql', '0002:sql', '0005:sql', '0005:undo']);
    const { rows } = await w.db.sql(`SELECT number, total FROM invoice`);
    expect(rows).toEqual([{ number: 'INV-1', total: '10.00' }]);
  });

  it('Delete takes the final snapshot and changes nothing in the database', async () => {
    const [history, manifests] = [await w.history(), await w.manifests()];
    const response = await sendRequest(await w.functions('LifecycleDownA'), {
      RequestType: 'Delete',
      PhysicalResourceId: physicalId,
      ResourceProperties: resourceProperties('LifecycleDownA'),
    });
    expectSuccess(response);
    const after = await w.manifests();
    expect(after).toHaveLength(manifests.length + 1);
    const snapshotId = after.find((m) => !manifests.includes(m))!.split('/').slice(-2)[0];
    expect(response.Data).toEqual({ SnapshotId: snapshotId });
    expect(await w.history()).toEqual(history);
    expect(await w.columns()).toEqual(['id', 'number', 'total']);
  });
});
