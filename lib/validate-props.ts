import * as fs from 'node:fs';
import * as path from 'node:path';
import { type Duration, Stack, Token } from 'aws-cdk-lib';
import type * as events from 'aws-cdk-lib/aws-events';
import * as rds from 'aws-cdk-lib/aws-rds';
import type { IConstruct } from 'constructs';
import { isMigrationLayout, MIGRATION_LAYOUTS } from '../lambda/migrations/readers/layouts';
import { assertKeyPrefix } from '../lambda/snapshot/keys';
import { SNAPSHOT_SCOPES } from '../lambda/snapshot/scope/snapshot-scope';
import { ON_ROLLBACK_POLICIES } from '../lambda/events/custom-resource-event';
import type { DatabaseMigrationsProps } from './database-migrations-props';
import { DatabaseMigrationsError } from './errors';

/**
 * Longest PostgreSQL identifier in bytes: NAMEDATALEN - 1 (PostgreSQL docs, 4.1.1 "Identifiers and
 * Key Words"). Longer names are silently truncated by the server, so we refuse them instead.
 */
export const MAX_IDENTIFIER_BYTES = 63;

/**
 * A lower-case unquoted identifier: letter or `_` first, then letters, digits, `_`, `$` (PostgreSQL
 * docs 4.1.1). Lower case because unquoted names fold to lower case; the function's configuration
 * (`lambda/config/function-config.ts`) accepts the same form, so synth rejects what it would.
 */
const IDENTIFIER = /^[a-z_][a-z0-9_$]*$/;

/** `arn:<partition>:rds:<region>:<account>:cluster:<cluster id>` (RDS ARN format, "Amazon RDS ARNs"). */
const CLUSTER_ARN = /^arn:aws[a-z-]*:rds:[a-z0-9-]+:\d{12}:cluster:[A-Za-z][A-Za-z0-9-]*$/;

/**
 * Checks `cluster` / `clusterArn`: exactly one is given; an ARN has the RDS cluster ARN form; a
 * cluster defined in this app is Aurora PostgreSQL with the Data API enabled (`EnableHttpEndpoint`).
 *
 * @throws DatabaseMigrationsError naming `cluster` or `clusterArn`
 */
export function validateClusterProps(scope: IConstruct, props: DatabaseMigrationsProps): void {
  if (props.cluster && props.clusterArn !== undefined) {
    throw new DatabaseMigrationsError('cluster', 'and prop "clusterArn" are exclusive: give one of them', scope);
  }
  if (!props.cluster && props.clusterArn === undefined) {
    throw new DatabaseMigrationsError('cluster', 'or prop "clusterArn" is required: the cluster to migrate', scope);
  }
  if (props.clusterArn !== undefined && !Token.isUnresolved(props.clusterArn) && !CLUSTER_ARN.test(props.clusterArn)) {
    throw new DatabaseMigrationsError(
      'clusterArn',
      `must be an RDS cluster ARN (arn:aws:rds:<region>:<account>:cluster:<id>), got "${props.clusterArn}"`,
      scope,
    );
  }
  const cluster = props.cluster;
  if (!cluster) return;
  const engineType = cluster.engine?.engineType;
  if (engineType !== undefined && engineType !== 'aurora-postgresql') {
    throw new DatabaseMigrationsError('cluster', `must be Aurora PostgreSQL, got engine "${engineType}"`, scope);
  }
  const cfn = cluster.node.defaultChild;
  // DatabaseCluster renders EnableHttpEndpoint lazily from enableDataApi: resolve it to read it.
  if (cfn instanceof rds.CfnDBCluster && Stack.of(cfn).resolve(cfn.enableHttpEndpoint) !== true) {
    throw new DatabaseMigrationsError(
      'cluster',
      'must have the RDS Data API enabled: set enableDataApi: true on the DatabaseCluster',
      scope,
    );
  }
}

/**
 * Checks `databaseName`: not empty, no surrounding whitespace, at most 63 bytes.
 *
 * @throws DatabaseMigrationsError naming `databaseName`
 */
export function validateDatabaseName(scope: IConstruct, databaseName: string): void {
  if (Token.isUnresolved(databaseName)) return;
  if (databaseName.trim() === '') {
    throw new DatabaseMigrationsError('databaseName', 'must not be empty', scope);
  }
  if (databaseName !== databaseName.trim()) {
    throw new DatabaseMigrationsError('databaseName', `must not start or end with whitespace, got "${databaseName}"`, scope);
  }
  if (Buffer.byteLength(databaseName) > MAX_IDENTIFIER_BYTES) {
    throw new DatabaseMigrationsError(
      'databaseName',
      `must be at most ${MAX_IDENTIFIER_BYTES} bytes (PostgreSQL NAMEDATALEN - 1), got "${databaseName}"`,
      scope,
    );
  }
}

/**
 * Checks `migrationsDirectory` exists and is a directory.
 *
 * @returns its absolute path
 * @throws DatabaseMigrationsError naming `migrationsDirectory` and the resolved path
 */
export function validateMigrationsDirectory(scope: IConstruct, migrationsDirectory: string): string {
  if (migrationsDirectory.trim() === '') {
    throw new DatabaseMigrationsError('migrationsDirectory', 'must not be empty', scope);
  }
  const absolute = path.resolve(migrationsDirectory);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(absolute);
  } catch {
    throw new DatabaseMigrationsError('migrationsDirectory', `does not exist: ${absolute}`, scope);
  }
  if (!stat.isDirectory()) {
    throw new DatabaseMigrationsError('migrationsDirectory', `is not a directory: ${absolute}`, scope);
  }
  return absolute;
}

/**
 * Checks `schemas`: at least one; each a lower-case PostgreSQL identifier of at most 63 bytes
 * (letter or `_` first, then letters, digits, `_`, `$`), not a system schema (`pg_*`, reserved by PostgreSQL per
 * the CREATE SCHEMA docs; `information_schema`), no duplicates. The names are passed to the
 * function comma-separated, which this rule keeps unambiguous.
 *
 * @throws DatabaseMigrationsError naming `schemas` and the offending entry
 */
export function validateSchemas(scope: IConstruct, schemas: readonly string[]): void {
  if (schemas.length === 0) {
    throw new DatabaseMigrationsError('schemas', 'must list at least one schema', scope);
  }
  const seen = new Set<string>();
  schemas.forEach((schema, index) => {
    const at = `schemas[${index}]`;
    if (!IDENTIFIER.test(schema)) {
      throw new DatabaseMigrationsError(
        'schemas',
        `has an invalid schema name at ${at}: "${schema}" (a lower-case PostgreSQL identifier: letter or _ first, then letters, digits, _ or $)`,
        scope,
      );
    }
    if (Buffer.byteLength(schema) > MAX_IDENTIFIER_BYTES) {
      throw new DatabaseMigrationsError('schemas', `has a name longer than ${MAX_IDENTIFIER_BYTES} bytes at ${at}: "${schema}"`, scope);
    }
    if (schema.startsWith('pg_') || schema === 'information_schema') {
      throw new DatabaseMigrationsError('schemas', `has a system schema at ${at}: "${schema}"`, scope);
    }
    if (seen.has(schema)) {
      throw new DatabaseMigrationsError('schemas', `lists "${schema}" twice (again at ${at})`, scope);
    }
    seen.add(schema);
  });
}

/**
 * Checks `snapshotPrefix`: not empty, ends with `/`, does not start with `/`, no `..` segment, no
 * `*` or `?` (they would widen the IAM resource `arn:aws:s3:::<bucket>/<prefix>*` the function is
 * granted).
 *
 * @throws DatabaseMigrationsError naming `snapshotPrefix`
 */
export function validateSnapshotPrefix(scope: IConstruct, prefix: string): void {
  if (Token.isUnresolved(prefix)) {
    throw new DatabaseMigrationsError('snapshotPrefix', 'must be a literal string: it scopes the IAM grants', scope);
  }
  if (prefix === '' || !prefix.endsWith('/') || prefix.startsWith('/')) {
    throw new DatabaseMigrationsError('snapshotPrefix', `must end with "/" and not start with "/", got "${prefix}"`, scope);
  }
  if (/[*?]/.test(prefix)) {
    throw new DatabaseMigrationsError('snapshotPrefix', `must not contain IAM wildcards (* or ?), got "${prefix}"`, scope);
  }
  // The function refuses at start-up any prefix its snapshot keys could not live under: check the same
  // rule here so such a prefix fails `cdk synth` instead of every deploy.
  try {
    assertKeyPrefix(prefix);
  } catch (error) {
    throw new DatabaseMigrationsError('snapshotPrefix', (error as Error).message.replace(/^prefix: /, ''), scope);
  }
}

/**
 * The longest function timeout: 14 minutes. The CDK Provider framework's own functions time out at
 * 15 minutes and start before ours: ours must end first so its answer (or its timeout error) reaches
 * them, and through them CloudFormation, instead of nobody answering.
 */
export const MAX_FUNCTION_TIMEOUT_SECONDS = 840;

/**
 * Checks the function sizing: timeout between 1 and 14 minutes ({@link MAX_FUNCTION_TIMEOUT_SECONDS}),
 * memory an integer from 128 to 10240 MB (Lambda's limits).
 *
 * @param timeoutSeconds the `timeout` prop in seconds
 * @param memorySizeMb the `memorySize` prop in MB
 * @throws DatabaseMigrationsError naming `timeout` or `memorySize`
 */
export function validateFunctionSizing(scope: IConstruct, timeoutSeconds: number, memorySizeMb: number): void {
  if (timeoutSeconds < 60 || timeoutSeconds > MAX_FUNCTION_TIMEOUT_SECONDS) {
    throw new DatabaseMigrationsError(
      'timeout',
      `must be between 1 and 14 minutes (the Provider framework's functions stop at 15 and must hear from it first), got ${timeoutSeconds} s`,
      scope,
    );
  }
  if (!Number.isInteger(memorySizeMb) || memorySizeMb < 128 || memorySizeMb > 10240) {
    throw new DatabaseMigrationsError('memorySize', `must be an integer from 128 to 10240 MB (Lambda limits), got ${memorySizeMb}`, scope);
  }
}

/**
 * Checks `targetVersion` is one of the bundled versions (as written in the folder names).
 *
 * @param versions the compiled bundle's versions, ascending
 * @throws DatabaseMigrationsError naming `targetVersion` and listing the bundled versions
 */
export function validateTargetVersion(scope: IConstruct, targetVersion: string | undefined, versions: readonly string[]): void {
  if (targetVersion === undefined || versions.includes(targetVersion)) return;
  const known = versions.length > 0 ? versions.join(', ') : 'none';
  throw new DatabaseMigrationsError('targetVersion', `"${targetVersion}" is not a bundled migration version (bundled: ${known})`, scope);
}

/**
 * Checks `baselineVersion` is one of the bundled versions (as written in the folder names) and, with a
 * `targetVersion`, not above it (the deployment would baseline versions it must not reach).
 *
 * @param versions the compiled bundle's versions, ascending
 * @throws DatabaseMigrationsError naming `baselineVersion`, listing the bundled versions or naming `targetVersion`
 */
export function validateBaselineVersion(
  scope: IConstruct,
  baselineVersion: string | undefined,
  targetVersion: string | undefined,
  versions: readonly string[],
): void {
  if (baselineVersion === undefined) return;
  if (!versions.includes(baselineVersion)) {
    const known = versions.length > 0 ? versions.join(', ') : 'none';
    throw new DatabaseMigrationsError('baselineVersion', `"${baselineVersion}" is not a bundled migration version (bundled: ${known})`, scope);
  }
  if (targetVersion !== undefined && versions.indexOf(baselineVersion) > versions.indexOf(targetVersion)) {
    throw new DatabaseMigrationsError('baselineVersion', `"${baselineVersion}" is above targetVersion "${targetVersion}": the deployment may not go past targetVersion`, scope);
  }
}

/**
 * Checks `migrationsLayout` is `auto` or one of `MIGRATION_LAYOUTS`.
 *
 * @throws DatabaseMigrationsError naming `migrationsLayout` and listing the layouts
 */
export function validateMigrationsLayout(scope: IConstruct, layout: string): void {
  if (layout === 'auto' || isMigrationLayout(layout)) return;
  throw new DatabaseMigrationsError('migrationsLayout', `must be auto, ${MIGRATION_LAYOUTS.join(', ')}; got "${layout}"`, scope);
}

/** The longest `deployTimeout`: 50 minutes, leaving CloudFormation's one-hour limit room for the framework's answer. */
export const MAX_DEPLOY_TIMEOUT_MINUTES = 50;

/**
 * Checks `deployTimeout`: whole minutes from 1 to {@link MAX_DEPLOY_TIMEOUT_MINUTES}.
 * @returns the timeout in minutes
 * @throws DatabaseMigrationsError naming `deployTimeout`
 */
export function validateDeployTimeout(scope: IConstruct, deployTimeout: Duration): number {
  const seconds = deployTimeout.toSeconds();
  if (seconds % 60 !== 0 || seconds < 60 || seconds > MAX_DEPLOY_TIMEOUT_MINUTES * 60) {
    throw new DatabaseMigrationsError(
      'deployTimeout',
      `must be whole minutes from 1 to ${MAX_DEPLOY_TIMEOUT_MINUTES} (CloudFormation waits at most one hour for a custom resource), got ${seconds} s`,
      scope,
    );
  }
  return seconds / 60;
}

/**
 * Checks `onRollback` is one of {@link ON_ROLLBACK_POLICIES}.
 * @throws DatabaseMigrationsError naming `onRollback`
 */
export function validateOnRollback(scope: IConstruct, onRollback: string): void {
  if (!(ON_ROLLBACK_POLICIES as readonly string[]).includes(onRollback)) {
    throw new DatabaseMigrationsError('onRollback', `must be ${ON_ROLLBACK_POLICIES.join(' or ')}, got "${onRollback}"`, scope);
  }
}

/**
 * Checks the snapshot options: `snapshotScope` is full, affected or none; `snapshotsToKeep` a whole
 * number from 1; `snapshotRetention` whole days from 1, and only on the bucket this construct creates
 * (a lifecycle rule cannot be added to an imported bucket).
 * @throws DatabaseMigrationsError naming the prop
 */
export function validateSnapshotOptions(scope: IConstruct, props: DatabaseMigrationsProps): void {
  if (props.snapshotScope !== undefined && !(SNAPSHOT_SCOPES as readonly string[]).includes(props.snapshotScope)) {
    throw new DatabaseMigrationsError('snapshotScope', `must be ${SNAPSHOT_SCOPES.join(', ')}; got "${props.snapshotScope}"`, scope);
  }
  const keep = props.snapshotsToKeep;
  if (keep !== undefined && (!Number.isInteger(keep) || keep < 1)) {
    throw new DatabaseMigrationsError('snapshotsToKeep', `must be a whole number of snapshots from 1, got ${keep}`, scope);
  }
  const retention = props.snapshotRetention;
  if (retention === undefined) return;
  const days = retention.toHours() / 24;
  if (!Number.isInteger(days) || days < 1) {
    throw new DatabaseMigrationsError('snapshotRetention', `must be whole days from 1 (an S3 lifecycle rule counts days), got ${retention.toHumanString()}`, scope);
  }
  if (props.snapshotBucket) {
    throw new DatabaseMigrationsError(
      'snapshotRetention',
      'applies to the bucket this construct creates: with your own snapshotBucket, add a lifecycle rule expiring the snapshot prefix to it',
      scope,
    );
  }
}

/** A plausible email address: something@domain.tld, no spaces (SNS checks the rest when subscribing). */
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** The longest alarm period in seconds: CloudWatch evaluates at most 7 days (period x 2 evaluation periods). */
const MAX_MISSED_AFTER_SECONDS = 302_400;

/**
 * The rate of a `rate(<n> <unit>)` schedule in seconds, or undefined for a cron schedule (EventBridge
 * "Schedule expressions for rules").
 */
export function scheduleRateSeconds(schedule: events.Schedule): number | undefined {
  const match = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(schedule.expressionString);
  if (!match) return undefined;
  const unit = match[2]!.replace(/s$/, '');
  return Number(match[1]) * (unit === 'minute' ? 60 : unit === 'hour' ? 3600 : 86400);
}

/**
 * Checks the alarm options and works out how long without a scheduled verification is too long:
 * `alarmEmail` looks like an address; `verificationMissedAfter` is whole minutes up to 3.5 days,
 * and is required with a cron schedule (whose interval the construct cannot tell).
 * @param schedule the verification schedule, or undefined when there is none
 * @returns the missed-run period in seconds (half of `verificationMissedAfter`, or the schedule's
 *          rate), or undefined without a schedule
 * @throws DatabaseMigrationsError naming `alarmEmail` or `verificationMissedAfter`
 */
export function validateAlarmOptions(scope: IConstruct, props: DatabaseMigrationsProps, schedule: events.Schedule | undefined): number | undefined {
  if (props.alarmEmail !== undefined && !Token.isUnresolved(props.alarmEmail) && !EMAIL.test(props.alarmEmail)) {
    throw new DatabaseMigrationsError('alarmEmail', `must be an email address, got "${props.alarmEmail}"`, scope);
  }
  const missed = props.verificationMissedAfter;
  if (missed !== undefined) {
    const seconds = missed.toSeconds();
    if (seconds % 120 !== 0 || seconds < 120 || seconds > MAX_MISSED_AFTER_SECONDS * 2) {
      throw new DatabaseMigrationsError(
        'verificationMissedAfter',
        `must be an even number of minutes from 2 minutes to 7 days (two CloudWatch periods of whole minutes), got ${missed.toHumanString()}`,
        scope,
      );
    }
  }
  if (!schedule) return undefined;
  if (missed !== undefined) return missed.toSeconds() / 2;
  const rate = scheduleRateSeconds(schedule);
  if (rate === undefined) {
    throw new DatabaseMigrationsError(
      'verificationMissedAfter',
      `is required with a cron verificationSchedule (${schedule.expressionString}): the construct cannot tell its interval; give how long without a verification is too long, e.g. Duration.days(2)`,
      scope,
    );
  }
  if (rate > MAX_MISSED_AFTER_SECONDS) {
    throw new DatabaseMigrationsError(
      'verificationSchedule',
      `runs every ${rate} s: the missed-run alarm can watch at most two periods of 3.5 days; schedule verification more often`,
      scope,
    );
  }
  return rate;
}
