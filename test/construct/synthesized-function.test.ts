import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VerificationReport } from '../../lambda/verify/report';
import { startLocalAws, type LocalAws } from '../../local/environment/local-aws';
import { loadSynthesizedFunction, synth, type SynthesizedFunction } from '../../local/lambda';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { FIXTURE_MIGRATIONS, removeTempDirs, tempDir } from './support/stacks';

interface TemplateJson {
  Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
}

/**
 * The example app as `cdk synth` (the CLI, offline) produces it, with the fixture migrations, run
 * through `loadSynthesizedFunction` against the local Data API and S3 over a real PostgreSQL: the
 * template's own custom resource properties and schedule input drive the real bundled handler.
 */
describe('the function cdk synth produces', () => {
  let cdkOut: string;
  let template: TemplateJson;
  let db: TestDatabase;
  let aws: LocalAws;
  let fn: SynthesizedFunction;

  beforeAll(async () => {
    cdkOut = tempDir('cli-synth');
    await synth({ outdir: cdkOut, context: { migrationsDirectory: FIXTURE_MIGRATIONS } });
    template = JSON.parse(fs.readFileSync(path.join(cdkOut, 'RdsMigrateExampleStack.template.json'), 'utf8')) as TemplateJson;
    db = await createTestDatabase('construct_fn');
    aws = await startLocalAws({ databaseUrl: db.url });
    fn = await loadSynthesizedFunction({ cdkOut, synth: 'never', environment: aws.functionEnvironment() });
  }, 240_000);
  afterAll(async () => {
    await aws?.close();
    await db?.drop();
    removeTempDirs();
  });

  const resourceOfType = (type: string) => {
    const found = Object.values(template.Resources).filter((r) => r.Type === type);
    expect(found).toHaveLength(1);
    return found[0]!;
  };

  it('loads the migrations function with its bundle, and leaves the deploy-time values to the caller', async () => {
    expect(fn.runtime).toBe('nodejs22.x');
    expect(fn.handlerFile).toBe(path.join(fn.assetDir, 'index.js'));
    expect(fs.readdirSync(fn.assetDir).sort()).toEqual(['index.js', 'index.js.map', 'migrations.json', 'package.json']);
    const bundle = JSON.parse(fs.readFileSync(path.join(fn.assetDir, 'migrations.json'), 'utf8')) as { checksum: string; migrations: { version: string }[] };
    expect(bundle.migrations.map((m) => m.version)).toEqual(['0001', '0002']);
    expect(resourceOfType('Custom::RdsMigrate').Properties.MigrationsChecksum).toBe(bundle.checksum);
    const bare = await loadSynthesizedFunction({ cdkOut, synth: 'never' });
    expect(Object.keys(bare.unresolvedEnvironment).sort()).toEqual([
      'RDS_MIGRATE_CLUSTER_ARN',
      'RDS_MIGRATE_SECRET_ARN',
      'RDS_MIGRATE_SNAPSHOT_BUCKET',
    ]);
    expect(bare.environment).toMatchObject({ RDS_MIGRATE_DATABASE: 'faktulove', RDS_MIGRATE_SCHEMAS: 'public', RDS_MIGRATE_SNAPSHOT_PREFIX: 'snapshots/' });
  });

  it('migrates on the CloudFormation Create request built from the template, then verifies on the schedule input', async () => {
    const properties = resourceOfType('Custom::RdsMigrate').Properties;
    const create = {
      RequestType: 'Create',
      RequestId: 'req-1',
      StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/RdsMigrateExampleStack/1',
      LogicalResourceId: 'MigrationsMigration',
      ResourceType: 'Custom::RdsMigrate',
      ResourceProperties: { ...properties, ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:framework' },
    };
    const created = await fn.invoke<{ PhysicalResourceId: string; Data: Record<string, string> }>(create);
    if (!created.ok) throw new Error(`Create failed: ${created.error.errorType}: ${created.error.errorMessage}\n${created.logs}`);
    expect(created.result.PhysicalResourceId).toBe(`rds-migrate:${db.name}`);
    expect(created.result.Data).toMatchObject({ CurrentVersion: '0002', Applied: '0001,0002' });
    const columns = await db.sql(`SELECT column_name FROM information_schema.columns WHERE table_name = 'invoice' ORDER BY ordinal_position`);
    expect(columns.rows.map((r: { column_name: string }) => r.column_name)).toEqual(['id', 'number', 'total']);

    const rule = resourceOfType('AWS::Events::Rule').Properties as { Targets: { Input: string }[] };
    const scheduled = await fn.invoke<{ action: string; verification: VerificationReport }>(JSON.parse(rule.Targets[0]!.Input));
    if (!scheduled.ok) throw new Error(`verify failed: ${scheduled.error.errorType}: ${scheduled.error.errorMessage}`);
    expect(scheduled.result.action).toBe('verify');
    expect(scheduled.result.verification.ok).toBe(true);
  });

  it('fails cdk synth with the compiler message when a migration does not parse', async () => {
    const bad = tempDir('cli-bad-migrations');
    fs.cpSync(FIXTURE_MIGRATIONS, bad, { recursive: true });
    fs.mkdirSync(path.join(bad, '0003_broken'));
    fs.writeFileSync(path.join(bad, '0003_broken', 'up.sql'), 'ALTER TABLE invoice ADD COLUMN paid boolean;\n\nCREATE TABLE (;\n');
    const failed = synth({ outdir: tempDir('cli-bad-out'), context: { migrationsDirectory: bad } });
    await expect(failed).rejects.toThrow(`${path.join(bad, '0003_broken', 'up.sql')}:3:14: syntax error at or near "("`);
    await expect(failed).rejects.toThrow('prop "migrationsDirectory" does not compile');
  }, 120_000);
});
