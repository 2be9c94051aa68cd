import { Duration, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, describe, expect, it } from 'vitest';
import { DatabaseMigrations } from '../../lib/database-migrations';
import { RdsMigrateExampleStack } from '../../lib/example-stack';
import { nagResourceName } from '../../lib/nag-acknowledgments';
import { FIXTURE_MIGRATIONS, importedProps, newApp, newStack, removeTempDirs } from './support/stacks';

afterAll(removeTempDirs);

/** Synthesizes the app with the cdk-nag AwsSolutions pack; returns the error text, or '' when it passes. */
function nagFindings(app: ReturnType<typeof newApp>['app']): string {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  try {
    app.synth();
    return '';
  } catch (error) {
    return String(error);
  }
}

describe('cdk-nag AwsSolutions', () => {
  it('passes the example stack: every finding on the construct and the example is acknowledged with a reason', () => {
    const { app } = newApp();
    new RdsMigrateExampleStack(app, 'RdsMigrateExampleStack', { migrationsDirectory: FIXTURE_MIGRATIONS });
    expect(nagFindings(app)).toBe('');
  });

  it('passes with an imported cluster, secret and bucket', () => {
    const { app, stack } = newStack();
    const bucket = s3.Bucket.fromBucketName(stack, 'Existing', 'faktulove-backups');
    new DatabaseMigrations(stack, 'Migrations', importedProps(stack, { snapshotBucket: bucket, snapshotPrefix: 'db/faktulove/' }));
    expect(nagFindings(app)).toBe('');
  });

  it('passes with every option on: a KMS-encrypted bucket with retention, an alarm email topic, a final snapshot, rollback down', () => {
    const { app, stack } = newStack();
    const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
    new DatabaseMigrations(
      stack,
      'Migrations',
      importedProps(stack, {
        snapshotEncryptionKey: key,
        snapshotRetention: Duration.days(30),
        snapshotsToKeep: 10,
        snapshotScope: 'affected',
        alarmEmail: 'dba@example.com',
        finalSnapshot: true,
        onRollback: 'down',
      }),
    );
    expect(nagFindings(app)).toBe('');
  });

  it('still reports a wildcard the construct did not acknowledge', () => {
    const { app, stack } = newStack();
    const migrations = new DatabaseMigrations(stack, 'Migrations', importedProps(stack));
    migrations.function.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: ['arn:aws:s3:::other-bucket/*'] }));
    const findings = nagFindings(app);
    expect(findings).toContain('AwsSolutions-IAM5[Resource::arn:aws:s3:::other-bucket/*]');
    expect(findings).not.toContain('snapshots/*');
  });

  it('grants a customer-managed bucket key without wildcard KMS actions', () => {
    const { app, stack } = newStack();
    const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
    const bucket = new s3.Bucket(stack, 'Bucket', { encryptionKey: key, enforceSSL: true, serverAccessLogsPrefix: 'logs/' });
    new DatabaseMigrations(stack, 'Migrations', importedProps(stack, { snapshotBucket: bucket }));
    expect(nagFindings(app)).toBe('');
  });
});

describe('nagResourceName', () => {
  it('flattens resolved references as cdk-nag names them in finding ids', () => {
    expect(nagResourceName({ 'Fn::Join': ['', [{ 'Fn::GetAtt': ['Bucket83908E77', 'Arn'] }, '/snapshots/*']] })).toBe('<Bucket83908E77.Arn>/snapshots/*');
    expect(nagResourceName({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::b/p/*']] })).toBe('arn:<AWS::Partition>:s3:::b/p/*');
    expect(nagResourceName({ 'Fn::Sub': 'arn:${AWS::Partition}:s3:::b/*' })).toBe('arn:<AWS::Partition>:s3:::b/*');
    expect(nagResourceName('plain')).toBe('plain');
  });
});
