import * as fs from 'node:fs';
import * as path from 'node:path';
import { Duration, Size } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { afterAll, describe, expect, it } from 'vitest';
import { DatabaseMigrations } from '../../lib/database-migrations';
import type { DatabaseMigrationsProps } from '../../lib/database-migrations-props';
import { DatabaseMigrationsError } from '../../lib/errors';
import { auroraCluster, FIXTURE_MIGRATIONS, importedProps, newStack, removeTempDirs, tempDir } from './support/stacks';

afterAll(removeTempDirs);

/** Builds the construct with imported-cluster props plus `overrides`, returning what it throws. */
function errorFor(overrides: Partial<DatabaseMigrationsProps>): DatabaseMigrationsError {
  const { stack } = newStack();
  try {
    new DatabaseMigrations(stack, 'Migrations', importedProps(stack, overrides));
  } catch (error) {
    if (error instanceof DatabaseMigrationsError) return error;
    throw error;
  }
  throw new Error(`no error for ${JSON.stringify(Object.keys(overrides))}`);
}

describe('DatabaseMigrations prop validation', () => {
  it('requires exactly one of cluster and clusterArn', () => {
    const { stack } = newStack();
    const cluster = auroraCluster(stack);
    const both = importedProps(stack, { cluster });
    expect(() => new DatabaseMigrations(stack, 'Both', both)).toThrow(
      'DatabaseMigrations TestStack/Both: prop "cluster" and prop "clusterArn" are exclusive: give one of them',
    );
    const neither = errorFor({ clusterArn: undefined });
    expect(neither.prop).toBe('cluster');
    expect(neither.message).toBe('DatabaseMigrations TestStack/Migrations: prop "cluster" or prop "clusterArn" is required: the cluster to migrate');
  });

  it('rejects a clusterArn that is not an RDS cluster ARN', () => {
    const error = errorFor({ clusterArn: 'arn:aws:rds:eu-central-1:123456789012:db:faktulove' });
    expect(error.prop).toBe('clusterArn');
    expect(error.message).toContain('must be an RDS cluster ARN');
  });

  it('rejects a cluster without the Data API, and one that is not Aurora PostgreSQL', () => {
    const { stack } = newStack();
    const cluster = auroraCluster(stack, { dataApi: false });
    expect(() => new DatabaseMigrations(stack, 'Migrations', importedProps(stack, { clusterArn: undefined, cluster }))).toThrow(
      'prop "cluster" must have the RDS Data API enabled: set enableDataApi: true on the DatabaseCluster',
    );
    const other = newStack().stack;
    const mysql = auroraCluster(other, {
      engine: rds.DatabaseClusterEngine.auroraMysql({ version: rds.AuroraMysqlEngineVersion.VER_3_08_0 }),
    });
    expect(() => new DatabaseMigrations(other, 'Migrations', importedProps(other, { clusterArn: undefined, cluster: mysql }))).toThrow(
      'prop "cluster" must be Aurora PostgreSQL, got engine "aurora-mysql"',
    );
  });

  it('rejects an empty, padded or over-long databaseName', () => {
    expect(errorFor({ databaseName: '' }).message).toContain('prop "databaseName" must not be empty');
    expect(errorFor({ databaseName: '   ' }).message).toContain('prop "databaseName" must not be empty');
    expect(errorFor({ databaseName: ' faktulove' }).message).toContain('prop "databaseName" must not start or end with whitespace');
    expect(errorFor({ databaseName: 'd'.repeat(64) }).message).toContain('prop "databaseName" must be at most 63 bytes');
  });

  it('rejects a missing migrations folder and a file in its place, naming the path', () => {
    const missing = path.join(FIXTURE_MIGRATIONS, 'no-such-folder');
    expect(errorFor({ migrationsDirectory: missing }).message).toBe(
      `DatabaseMigrations TestStack/Migrations: prop "migrationsDirectory" does not exist: ${missing}`,
    );
    const file = path.join(FIXTURE_MIGRATIONS, '0001_create_invoice', 'up.sql');
    expect(errorFor({ migrationsDirectory: file }).message).toContain(`prop "migrationsDirectory" is not a directory: ${file}`);
    expect(errorFor({ migrationsDirectory: '' }).message).toContain('prop "migrationsDirectory" must not be empty');
  });

  it('rejects invalid schema names, naming the entry', () => {
    expect(errorFor({ schemas: [] }).message).toContain('prop "schemas" must list at least one schema');
    expect(errorFor({ schemas: ['public', 'billing-2024'] }).message).toContain('invalid schema name at schemas[1]: "billing-2024"');
    expect(errorFor({ schemas: ['Public'] }).message).toContain('invalid schema name at schemas[0]: "Public"');
    expect(errorFor({ schemas: ['a,b'] }).message).toContain('invalid schema name at schemas[0]: "a,b"');
    expect(errorFor({ schemas: ['s'.repeat(64)] }).message).toContain('longer than 63 bytes at schemas[0]');
    expect(errorFor({ schemas: ['pg_catalog'] }).message).toContain('system schema at schemas[0]: "pg_catalog"');
    expect(errorFor({ schemas: ['information_schema'] }).message).toContain('system schema at schemas[0]');
    expect(errorFor({ schemas: ['public', 'billing', 'public'] }).message).toContain('lists "public" twice (again at schemas[2])');
  });

  it('rejects a snapshotPrefix that would not scope the grants to one folder', () => {
    for (const prefix of ['', 'snapshots', '/snapshots/']) {
      expect(errorFor({ snapshotPrefix: prefix }).message).toContain(`prop "snapshotPrefix" must end with "/" and not start with "/", got "${prefix}"`);
    }
    expect(errorFor({ snapshotPrefix: 'snap*/' }).message).toContain('must not contain IAM wildcards');
    expect(errorFor({ snapshotPrefix: 'a/?/' }).message).toContain('must not contain IAM wildcards');
    expect(errorFor({ snapshotPrefix: 'a/../' }).message).toContain("must not contain '.' or '..' segments");
    // The function's own key rule (lambda/snapshot/keys.ts), so such a prefix fails synth, not every deploy.
    expect(errorFor({ snapshotPrefix: 'a b/' }).message).toContain('may only contain letters, digits');
    expect(errorFor({ snapshotPrefix: 'a//b/' }).message).toContain("must not contain an empty segment ('//')");
    expect(errorFor({ snapshotPrefix: './' }).message).toContain("must not contain '.' or '..' segments");
  });

  it('rejects a timeout or memory size outside the Lambda limits, and a timeout the Provider framework would not outlive', () => {
    expect(errorFor({ timeout: Duration.minutes(16) }).message).toContain('prop "timeout" must be between 1 and 14 minutes');
    expect(errorFor({ timeout: Duration.minutes(15) }).message).toContain(
      "prop \"timeout\" must be between 1 and 14 minutes (the Provider framework's functions stop at 15 and must hear from it first), got 900 s",
    );
    expect(errorFor({ timeout: Duration.seconds(30) }).prop).toBe('timeout');
    expect(errorFor({ memorySize: 64 }).message).toContain('prop "memorySize" must be an integer from 128 to 10240 MB (Lambda limits), got 64');
    expect(errorFor({ memorySize: 1024.5 }).prop).toBe('memorySize');
  });

  it('rejects a targetVersion that is not bundled, listing the bundled versions', () => {
    const error = errorFor({ targetVersion: '0003' });
    expect(error.prop).toBe('targetVersion');
    expect(error.message).toContain('prop "targetVersion" "0003" is not a bundled migration version (bundled: 0001, 0002)');
  });

  it('rejects a baselineVersion that is not bundled, or above targetVersion', () => {
    const unknown = errorFor({ baselineVersion: '0003' });
    expect(unknown.prop).toBe('baselineVersion');
    expect(unknown.message).toContain('prop "baselineVersion" "0003" is not a bundled migration version (bundled: 0001, 0002)');
    const above = errorFor({ baselineVersion: '0002', targetVersion: '0001' });
    expect(above.prop).toBe('baselineVersion');
    expect(above.message).toContain('"0002" is above targetVersion "0001"');
  });

  it('fails with the compiler message, file and line, when a migration does not parse', () => {
    const dir = tempDir('bad-migrations');
    fs.cpSync(FIXTURE_MIGRATIONS, dir, { recursive: true });
    fs.mkdirSync(path.join(dir, '0003_broken'));
    fs.writeFileSync(path.join(dir, '0003_broken', 'up.sql'), 'ALTER TABLE invoice ADD COLUMN paid boolean;\n\nCREATE TABLE (;\n');
    const error = errorFor({ migrationsDirectory: dir });
    expect(error.prop).toBe('migrationsDirectory');
    expect(error.message).toContain(`prop "migrationsDirectory" does not compile (${dir}):`);
    expect(error.message).toContain(`${path.join(dir, '0003_broken', 'up.sql')}:3:14: syntax error at or near "("`);
  });

  it('fails with the compiler message when a folder does not follow the layout', () => {
    const dir = tempDir('bad-layout');
    fs.mkdirSync(path.join(dir, '0001_no_up_script'));
    fs.writeFileSync(path.join(dir, '0001_no_up_script', 'down.sql'), 'SELECT 1;\n');
    const error = errorFor({ migrationsDirectory: dir });
    expect(error.prop).toBe('migrationsDirectory');
    expect(error.message).toMatch(/does not compile[^]*0001_no_up_script/);
  });
});

describe('DatabaseMigrations prop validation: deployment, snapshots, alarms, lint', () => {
  it('rejects a deployTimeout that is not whole minutes from 1 to 50, and an unknown onRollback', () => {
    expect(errorFor({ deployTimeout: Duration.minutes(55) }).message).toContain(
      'prop "deployTimeout" must be whole minutes from 1 to 50 (CloudFormation waits at most one hour for a custom resource), got 3300 s',
    );
    expect(errorFor({ deployTimeout: Duration.seconds(90) }).prop).toBe('deployTimeout');
    expect(errorFor({ onRollback: 'revert' as never }).message).toContain('prop "onRollback" must be retain or down, got "revert"');
  });

  it('rejects bad snapshot options, and a retention on a bucket it does not create', () => {
    expect(errorFor({ snapshotScope: 'some' as never }).message).toContain('prop "snapshotScope" must be full, affected, none; got "some"');
    expect(errorFor({ snapshotsToKeep: 0 }).message).toContain('prop "snapshotsToKeep" must be a whole number of snapshots from 1, got 0');
    expect(errorFor({ snapshotsToKeep: 2.5 }).prop).toBe('snapshotsToKeep');
    expect(errorFor({ snapshotRetention: Duration.hours(36) }).message).toContain('prop "snapshotRetention" must be whole days from 1');
    const { stack } = newStack();
    const bucket = s3.Bucket.fromBucketName(stack, 'Own', 'own-bucket');
    expect(() => new DatabaseMigrations(stack, 'Migrations', importedProps(stack, { snapshotBucket: bucket, snapshotRetention: Duration.days(30) }))).toThrow(
      'prop "snapshotRetention" applies to the bucket this construct creates: with your own snapshotBucket, add a lifecycle rule',
    );
  });

  it('rejects a snapshot budget or parallelism the function would refuse, naming the prop', () => {
    expect(errorFor({ snapshotMaxSize: Size.bytes(0) }).message).toContain('prop "snapshotMaxSize" must be from 1 byte to 9007199254740991 bytes, got Size.bytes(0)');
    expect(errorFor({ snapshotMaxSize: Size.kibibytes(0.3) }).message).toContain('prop "snapshotMaxSize" must be a whole number of bytes, got Size.kibibytes(0.3)');
    expect(errorFor({ snapshotMaxDuration: Duration.millis(1500) }).message).toContain('prop "snapshotMaxDuration" must be whole seconds, at least 1 second, got 1 second 500 millis');
    expect(errorFor({ snapshotMaxDuration: Duration.seconds(0) }).prop).toBe('snapshotMaxDuration');
    expect(errorFor({ snapshotExportRate: Size.mebibytes(4) }).message).toContain(
      'prop "snapshotExportRate" is the rate the snapshot time estimate assumes, checked against snapshotMaxDuration: set snapshotMaxDuration too',
    );
    expect(errorFor({ snapshotMaxDuration: Duration.minutes(5), snapshotExportRate: Size.bytes(0) }).prop).toBe('snapshotExportRate');
    expect(errorFor({ snapshotParallelism: 0 }).message).toContain('prop "snapshotParallelism" must be a whole number from 1 to 32, got 0');
    expect(errorFor({ snapshotParallelism: 33 }).prop).toBe('snapshotParallelism');
    expect(errorFor({ snapshotParallelism: 2.5 }).prop).toBe('snapshotParallelism');
  });

  it('rejects a malformed alarm email, and a cron schedule without verificationMissedAfter', () => {
    expect(errorFor({ alarmEmail: 'dba at example.com' }).message).toContain('prop "alarmEmail" must be an email address, got "dba at example.com"');
    const cron = errorFor({ verificationSchedule: events.Schedule.cron({ minute: '0', hour: '3' }) });
    expect(cron.prop).toBe('verificationMissedAfter');
    expect(cron.message).toContain('is required with a cron verificationSchedule (cron(0 3 * * ? *))');
    expect(errorFor({ verificationMissedAfter: Duration.minutes(3) }).message).toContain('prop "verificationMissedAfter" must be an even number of minutes');
    expect(errorFor({ verificationMissedAfter: Duration.days(8) }).prop).toBe('verificationMissedAfter');
    expect(errorFor({ verificationSchedule: events.Schedule.rate(Duration.days(4)) }).message).toContain('prop "verificationSchedule" runs every 345600 s');
  });

  it('rejects a bad lint failOn and a bad lint config, naming each bad field', () => {
    expect(errorFor({ lint: { failOn: 'fatal' as never } }).message).toContain('prop "lint" has failOn "fatal": use error, warning or never');
    const config = errorFor({ lint: { config: { rules: { 'no-such-rule': 'off' } as never, smallTableRows: -1 } } });
    expect(config.prop).toBe('lint');
    expect(config.message).toContain('cannot lint the migrations: Invalid lint configuration in prop "lint.config": rules.no-such-rule: unknown rule id');
    expect(config.message).toContain('smallTableRows: must be 0 or more rows');
  });
});
