/**
 * The construct's `baselineVersion` through the synthesized function (the bundle `cdk synth` writes,
 * run as cold starts over the local Data API and S3, driven as CloudFormation and the Provider
 * framework drive it): a first deployment on a database whose schema already exists baselines the
 * empty schema history at that version and migrates the rest; later deployments leave it alone; a
 * history that does not have the version applied fails the deployment naming both, running nothing;
 * a database without the changes (its verify script fails) is refused, recording nothing.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startLocalAws, type LocalAws } from '../../local/environment/local-aws';
import { loadSynthesizedFunction, synth, type SynthesizedFunction } from '../../local/lambda';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { sendRequest, type CloudFormationResponse, type ProviderFunctions } from './support/cloudformation';
import { LIFECYCLE_APP, type LifecycleRelease } from './support/lifecycle-release';
import { releaseFolder, removeReleases } from './support/releases';

const STACK = 'LifecycleBaseline';
let cdkOut: string;

beforeAll(async () => {
  cdkOut = fs.mkdtempSync(path.join(os.tmpdir(), 'rds-migrate-baseline-out-'));
  // 0001 (verify: the invoice table exists) and 0002 exist already; 0005 is new.
  const releases: LifecycleRelease[] = [{ stackName: STACK, migrationsDirectory: releaseFolder('baseline', ['0001', '0002', '0005']), baselineVersion: '0002' }];
  await synth({ outdir: cdkOut, app: LIFECYCLE_APP, context: { lifecycleReleases: JSON.stringify(releases) } });
}, 600_000);

afterAll(() => {
  fs.rmSync(cdkOut, { recursive: true, force: true });
  removeReleases();
});

/** The migration resource's properties in the template, as CloudFormation sends them. */
function resourceProperties(): Record<string, unknown> {
  const template = JSON.parse(fs.readFileSync(path.join(cdkOut, `${STACK}.template.json`), 'utf8')) as {
    Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
  };
  const resources = Object.values(template.Resources).filter((r) => r.Type === 'Custom::RdsMigrate');
  expect(resources).toHaveLength(1);
  return { ...resources[0]!.Properties, ServiceToken: `arn:aws:lambda:us-east-1:123456789012:function:${STACK}-framework-onEvent` };
}

/** The schema as it is before the first deployment: 0001 and 0002 applied by another tool. */
const EXISTING_SCHEMA = `
  CREATE TABLE invoice (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, number text NOT NULL UNIQUE, total numeric(12, 2) NOT NULL DEFAULT 0);
  INSERT INTO invoice (number, total) VALUES ('INV-1', 10), ('INV-2', 20);
`;

let db: TestDatabase;
let aws: LocalAws;
let onEvent: SynthesizedFunction;
let functions: ProviderFunctions;

beforeEach(async () => {
  db = await createTestDatabase('lifecycle_baseline');
  aws = await startLocalAws({ databaseUrl: db.url });
  const load = (role: 'onEvent' | 'isComplete') => loadSynthesizedFunction({ cdkOut, stackName: STACK, synth: 'never', role, environment: aws.functionEnvironment() });
  const isComplete = await load('isComplete');
  onEvent = await load('onEvent');
  functions = {
    onEvent: (event) => onEvent.invoke(event),
    isComplete: (event) => isComplete.invoke(event),
    onEventName: onEvent.logicalId,
    isCompleteName: isComplete.logicalId,
  };
});

afterEach(async () => {
  await aws?.close();
  await db?.drop();
});

async function history(): Promise<string[]> {
  const { rows } = await db.sql(`SELECT version, type, success FROM rds_migrate.schema_history ORDER BY installed_rank`);
  return rows.map((r: { version: string; type: string; success: boolean }) => `${r.version}:${r.type}:${r.success}`);
}

async function columns(): Promise<string[]> {
  const { rows } = await db.sql(`SELECT column_name FROM information_schema.columns WHERE table_name = 'invoice' ORDER BY ordinal_position`);
  return rows.map((r: { column_name: string }) => r.column_name);
}

/** Whether the schema history table exists at all. */
async function historyExists(): Promise<boolean> {
  const { rows } = await db.sql(`SELECT to_regclass('rds_migrate.schema_history') IS NOT NULL AS present`);
  return (rows[0] as { present: boolean }).present;
}

function expectSuccess(response: CloudFormationResponse): void {
  if (response.Status !== 'SUCCESS') {
    throw new Error(`expected SUCCESS, got FAILED: ${response.Reason}\n${response.invocations.map((i) => i.logs).join('\n')}`);
  }
}

describe('baselineVersion on the construct', () => {
  it('the template carries it as the resource\'s BaselineVersion', () => {
    expect(resourceProperties()).toMatchObject({ BaselineVersion: '0002' });
  });

  it('the first deployment on an existing schema baselines the empty history at 0002 and migrates only 0005; an Update after it changes nothing', async () => {
    await db.sql(EXISTING_SCHEMA);
    const created = await sendRequest(functions, { RequestType: 'Create', ResourceProperties: resourceProperties() });
    expectSuccess(created);
    expect(created.Data).toMatchObject({ CurrentVersion: '0005', Applied: '0005' });
    expect(await history()).toEqual(['0001:baseline:true', '0002:baseline:true', '0005:sql:true']);
    expect(await columns()).toEqual(['id', 'number', 'total', 'paid']);
    const { rows } = await db.sql(`SELECT number, total, paid FROM invoice ORDER BY number`);
    expect(rows).toEqual([
      { number: 'INV-1', total: '10.00', paid: false },
      { number: 'INV-2', total: '20.00', paid: false },
    ]);
    // The fingerprint of the adopted schema was recorded (drift is measured from it, not from none).
    const fingerprints = await db.sql(`SELECT version FROM rds_migrate.schema_fingerprint ORDER BY id`);
    expect(fingerprints.rows.map((r: { version: string }) => r.version)).toEqual(['0002', '0005']);

    // The prop stays in the stack: a later Update with it finds 0002 applied and baselines nothing again.
    const updated = await sendRequest(functions, {
      RequestType: 'Update',
      PhysicalResourceId: created.PhysicalResourceId,
      ResourceProperties: { ...resourceProperties(), HandlerCodeHash: 'next' },
      OldResourceProperties: resourceProperties(),
    });
    expectSuccess(updated);
    expect(updated.Data).toMatchObject({ CurrentVersion: '0005', Applied: '' });
    expect(await history()).toEqual(['0001:baseline:true', '0002:baseline:true', '0005:sql:true']);
  });

  it('a schema history without 0002 applied disagrees: the deployment fails naming both versions and runs nothing', async () => {
    // Someone migrated to 0001 only (here with the function's console event).
    const partial = await onEvent.invoke({ action: 'migrate', targetVersion: '0001' });
    expect(partial.ok).toBe(true);
    expect(await history()).toEqual(['0001:sql:true']);

    const response = await sendRequest(functions, { RequestType: 'Create', ResourceProperties: resourceProperties() });
    expect(response.Status).toBe('FAILED');
    expect(response.Reason).toMatch(/^baselineVersion 0002 disagrees with the schema history: it has rows \(current version 0001\) and 0002 is pending there, not applied/);
    expect(await history()).toEqual(['0001:sql:true']);
    expect(await columns()).toEqual(['id', 'number']);
  });

  it('a database without the changes is refused by the baselined version\'s verify script, recording nothing', async () => {
    const response = await sendRequest(functions, { RequestType: 'Create', ResourceProperties: resourceProperties() });
    expect(response.Status).toBe('FAILED');
    expect(response.Reason).toMatch(/^Baseline at 0002 refused, nothing was recorded: .*invoice_exists/);
    // The history table may have been created (the lock lives beside it), but holds no row.
    expect((await historyExists()) ? await history() : []).toEqual([]);
    expect(await columns()).toEqual([]);
  });
});
