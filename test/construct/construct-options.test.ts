import * as fs from 'node:fs';
import * as path from 'node:path';
import { Duration, Size, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { afterAll, describe, expect, it } from 'vitest';
import { loadFunctionConfig } from '../../lambda/config/function-config';
import { DatabaseMigrations } from '../../lib/database-migrations';
import type { DatabaseMigrationsProps } from '../../lib/database-migrations-props';
import { DatabaseMigrationsError } from '../../lib/errors';
import { FIXTURE_MIGRATIONS, importedProps, migrationsFunctionId, newStack, removeTempDirs, roleStatements, tempDir } from './support/stacks';

afterAll(removeTempDirs);

const LINT_MIGRATIONS = path.resolve(FIXTURE_MIGRATIONS, '..', 'lint-migrations');

type Resource = { Type: string; Properties: Record<string, unknown> };

function build(overrides: Partial<DatabaseMigrationsProps> = {}): { stack: Stack; migrations: DatabaseMigrations; template: Template; resources: Record<string, Resource> } {
  const { stack } = newStack();
  const migrations = new DatabaseMigrations(stack, 'Migrations', importedProps(stack, overrides));
  const template = Template.fromStack(stack);
  return { stack, migrations, template, resources: template.toJSON().Resources as Record<string, Resource> };
}

function only(resources: Record<string, Resource>, type: string): Resource[] {
  return Object.values(resources).filter((r) => r.Type === type);
}

describe('the migration resource: rollback policy, final snapshot, deploy limit', () => {
  it('renders onRollback, finalSnapshot and deployTimeout as properties, and bounds the Provider and CloudFormation by the deploy limit', () => {
    const { template, resources } = build({ onRollback: 'down', finalSnapshot: true, deployTimeout: Duration.minutes(20) });
    template.hasResourceProperties('Custom::RdsMigrate', {
      OnRollback: 'down',
      FinalSnapshot: 'true',
      DeployTimeoutSeconds: '1200',
      // 20 minutes + 10: CloudFormation gives up on its own only after the function's limit and the framework's answer.
      ServiceTimeout: '1800',
    });
    // The waiter polls every 10 s for 20 + 5 minutes: 150 attempts.
    const [machine] = only(resources, 'AWS::StepFunctions::StateMachine');
    const definition = JSON.stringify(machine!.Properties.DefinitionString);
    expect(definition).toContain('\\"IntervalSeconds\\":10');
    expect(definition).toContain('\\"MaxAttempts\\":150');
  });

  it('gives HandlerCodeHash the hash of the function code asset it deploys', () => {
    const { migrations, resources, template } = build();
    const code = resources[migrationsFunctionId(template)]!.Properties.Code as { S3Key: string };
    expect(`${migrations.handlerCodeHash}.zip`).toBe(code.S3Key);
    template.hasResourceProperties('Custom::RdsMigrate', { HandlerCodeHash: migrations.handlerCodeHash });
  });
});

describe('verification alarms', () => {
  it('alarms on failing checks and on two schedule periods without a verification, notifying nobody by default', () => {
    const { resources, migrations } = build();
    const alarms = only(resources, 'AWS::CloudWatch::Alarm').map((a) => a.Properties);
    expect(alarms).toHaveLength(2);
    const dimensions = [
      { Name: 'database', Value: 'faktulove' },
      { Name: 'service', Value: 'rds-migrate' },
    ];
    expect(alarms).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          Namespace: 'RdsMigrate',
          MetricName: 'VerificationFailures',
          Dimensions: dimensions,
          Statistic: 'Maximum',
          Period: 300,
          Threshold: 1,
          ComparisonOperator: 'GreaterThanOrEqualToThreshold',
          EvaluationPeriods: 1,
          TreatMissingData: 'notBreaching',
        }),
        expect.objectContaining({
          Namespace: 'RdsMigrate',
          MetricName: 'VerificationFailures',
          Dimensions: dimensions,
          Statistic: 'SampleCount',
          // The default schedule runs every 6 hours: missing for two such periods is 12 hours.
          Period: 21_600,
          Threshold: 1,
          ComparisonOperator: 'LessThanThreshold',
          EvaluationPeriods: 2,
          TreatMissingData: 'breaching',
        }),
      ]),
    );
    for (const alarm of alarms) expect(alarm.AlarmActions).toBeUndefined();
    expect(migrations.alarms.topic).toBeUndefined();
    expect(only(resources, 'AWS::SNS::Topic')).toEqual([]);
  });

  it('creates a TLS-only topic with the email subscribed, notified on ALARM and OK', () => {
    const { resources, template } = build({ alarmEmail: 'dba@example.com', verificationMissedAfter: Duration.hours(2) });
    const topics = Object.keys(template.findResources('AWS::SNS::Topic'));
    expect(topics).toHaveLength(1);
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'dba@example.com', TopicArn: { Ref: topics[0] } });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
    const alarms = only(resources, 'AWS::CloudWatch::Alarm').map((a) => a.Properties);
    for (const alarm of alarms) {
      expect(alarm.AlarmActions).toEqual([{ Ref: topics[0] }]);
      expect(alarm.OKActions).toEqual([{ Ref: topics[0] }]);
    }
    // verificationMissedAfter 2 hours: two periods of one hour.
    expect(alarms.find((a) => a.Statistic === 'SampleCount')!.Period).toBe(3600);
  });

  it('notifies a given topic, creates none, and has no missed-run alarm without a schedule', () => {
    const { stack } = newStack();
    const topic = new sns.Topic(stack, 'Ops');
    const migrations = new DatabaseMigrations(stack, 'Migrations', importedProps(stack, { alarmTopic: topic, verificationSchedule: false }));
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::SNS::Topic', 1);
    template.resourceCountIs('AWS::CloudWatch::Alarm', 1);
    expect(migrations.alarms.missedRunAlarm).toBeUndefined();
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { Statistic: 'Maximum', AlarmActions: [{ Ref: stack.getLogicalId(topic.node.defaultChild as never) }] });
  });
});

describe('snapshot options', () => {
  it('expires snapshot objects and their old versions under the prefix after the retention, and tells the function what to keep', () => {
    const { template, resources } = build({ snapshotRetention: Duration.days(30), snapshotsToKeep: 12, snapshotScope: 'affected', snapshotPrefix: 'db/' });
    template.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          { Id: 'ExpireSnapshots', Prefix: 'db/', ExpirationInDays: 30, NoncurrentVersionExpiration: { NoncurrentDays: 30 }, Status: 'Enabled' },
        ]),
      },
    });
    const variables = (resources[migrationsFunctionId(template)]!.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(variables).toMatchObject({ RDS_MIGRATE_SNAPSHOT_SCOPE: 'affected', RDS_MIGRATE_SNAPSHOT_KEEP: '12', RDS_MIGRATE_SNAPSHOT_PREFIX: 'db/' });
  });

  it('tells the function its snapshot budget and parallelism in its units, which its configuration reads back', () => {
    const { template, resources } = build({
      snapshotMaxSize: Size.gibibytes(20), snapshotMaxDuration: Duration.minutes(10), snapshotExportRate: Size.mebibytes(16), snapshotParallelism: 6,
    });
    const variables = (resources[migrationsFunctionId(template)]!.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(variables).toMatchObject({
      RDS_MIGRATE_SNAPSHOT_MAX_BYTES: String(20 * 1024 ** 3),
      RDS_MIGRATE_SNAPSHOT_MAX_SECONDS: '600',
      RDS_MIGRATE_SNAPSHOT_BYTES_PER_SECOND: String(16 * 1024 ** 2),
      RDS_MIGRATE_SNAPSHOT_PARALLELISM: '6',
    });
    // The function's own configuration reads them (the deploy-time references stand in as text).
    const env = Object.fromEntries(Object.entries(variables).map(([k, v]) => [k, typeof v === 'string' ? v : `resolved-${k}`]));
    expect(loadFunctionConfig(env).snapshot).toMatchObject({
      budget: { maxBytes: 20 * 1024 ** 3, maxSeconds: 600, bytesPerSecond: 16 * 1024 ** 2 },
      parallelism: 6,
    });

    const plain = build();
    const defaults = (plain.resources[migrationsFunctionId(plain.template)]!.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(Object.keys(defaults).filter((k) => /SNAPSHOT_(MAX_|BYTES_PER|PARALLELISM)/.test(k))).toEqual([]);
  });

  it('encrypts the bucket with the given KMS key and grants the function only Decrypt and GenerateDataKey on it', () => {
    const { stack } = newStack();
    const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
    new DatabaseMigrations(stack, 'Migrations', importedProps(stack, { snapshotEncryptionKey: key }));
    const template = Template.fromStack(stack);
    const keyId = stack.getLogicalId(key.node.defaultChild as never);
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          { ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: { 'Fn::GetAtt': [keyId, 'Arn'] } }, BucketKeyEnabled: true },
        ],
      },
    });
    const kmsStatements = roleStatements(template, migrationsFunctionId(template)).filter((s) => JSON.stringify(s.Action).includes('kms:'));
    expect(kmsStatements).toEqual([{ Effect: 'Allow', Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Resource: { 'Fn::GetAtt': [keyId, 'Arn'] } }]);
  });

  it('grants the key of a bucket of your own', () => {
    const { stack } = newStack();
    const key = kms.Key.fromKeyArn(stack, 'Key', 'arn:aws:kms:eu-central-1:123456789012:key/11111111-2222-3333-4444-555555555555');
    const bucket = s3.Bucket.fromBucketName(stack, 'Own', 'faktulove-backups');
    new DatabaseMigrations(stack, 'Migrations', importedProps(stack, { snapshotBucket: bucket, snapshotEncryptionKey: key }));
    const template = Template.fromStack(stack);
    const kmsStatements = roleStatements(template, migrationsFunctionId(template)).filter((s) => JSON.stringify(s.Action).includes('kms:'));
    expect(kmsStatements).toEqual([
      { Effect: 'Allow', Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Resource: 'arn:aws:kms:eu-central-1:123456789012:key/11111111-2222-3333-4444-555555555555' },
    ]);
  });
});

describe('the migration linter at synth time', () => {
  const lintError = (overrides: Partial<DatabaseMigrationsProps>): DatabaseMigrationsError => {
    try {
      build({ migrationsDirectory: LINT_MIGRATIONS, ...overrides });
    } catch (error) {
      if (error instanceof DatabaseMigrationsError) return error;
      throw error;
    }
    throw new Error('no error');
  };

  it('fails synth on a plain CREATE INDEX on a table an earlier migration created, with the finding line and its rewrite', () => {
    const error = lintError({});
    expect(error.prop).toBe('migrationsDirectory');
    expect(error.message).toContain(`prop "migrationsDirectory" has 1 lint finding(s) at or above "error" (lint.failOn) in ${LINT_MIGRATIONS}:`);
    expect(error.message).toContain('0002_index_invoice_number/up.sql:2:1 require-concurrent-index-creation CREATE INDEX on existing table invoice without CONCURRENTLY');
    expect(error.message).toContain('CREATE INDEX CONCURRENTLY IF NOT EXISTS invoice_number_idx ON invoice (number);');
    // The warning-level finding does not fail it.
    expect(error.message).not.toContain('prefer-timestamptz');
  });

  it('fails on warnings with failOn warning; reports everything as synth warnings with failOn never', () => {
    expect(lintError({ lint: { failOn: 'warning' } }).message).toMatch(/has 2 lint finding\(s\) at or above "warning"[^]*0001_create_invoice\/up.sql:4:13 prefer-timestamptz/);
    const { stack } = build({ migrationsDirectory: LINT_MIGRATIONS, lint: { failOn: 'never' } });
    const warnings = Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('rds-migrate:lint'));
    expect(warnings.map((w) => String(w.entry.data).split(' ').slice(0, 2).join(' '))).toEqual([
      '0001_create_invoice/up.sql:4:13 prefer-timestamptz',
      '0002_index_invoice_number/up.sql:2:1 require-concurrent-index-creation',
    ]);
  });

  it('passes a suppressed finding, a rule turned off in lint.config, and lint disabled', () => {
    const suppressed = tempDir('lint-suppressed');
    fs.cpSync(LINT_MIGRATIONS, suppressed, { recursive: true });
    const up = path.join(suppressed, '0002_index_invoice_number', 'up.sql');
    fs.writeFileSync(up, `-- rds-migrate-lint-ignore require-concurrent-index-creation: invoice is empty when this ships\n${fs.readFileSync(up, 'utf8')}`);
    expect(() => build({ migrationsDirectory: suppressed })).not.toThrow();
    expect(() => build({ migrationsDirectory: LINT_MIGRATIONS, lint: { config: { rules: { 'require-concurrent-index-creation': 'off' } } } })).not.toThrow();
    expect(() => build({ migrationsDirectory: LINT_MIGRATIONS, lint: { enabled: false } })).not.toThrow();
  });
});
