import * as fs from 'node:fs';
import * as path from 'node:path';
import { Stack, Token } from 'aws-cdk-lib';
import * as rds from 'aws-cdk-lib/aws-rds';
import type { IConstruct } from 'constructs';
import { isMigrationLayout, MIGRATION_LAYOUTS } from '../lambda/migrations/readers/layouts';
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
  if (prefix.split('/').includes('..')) {
    throw new DatabaseMigrationsError('snapshotPrefix', `must not contain a ".." segment, got "${prefix}"`, scope);
  }
  if (/[*?]/.test(prefix)) {
    throw new DatabaseMigrationsError('snapshotPrefix', `must not contain IAM wildcards (* or ?), got "${prefix}"`, scope);
  }
}

/**
 * Checks the function sizing: timeout between 1 and 15 minutes (Lambda's maximum), memory an
 * integer from 128 to 10240 MB (Lambda's limits).
 *
 * @param timeoutSeconds the `timeout` prop in seconds
 * @param memorySizeMb the `memorySize` prop in MB
 * @throws DatabaseMigrationsError naming `timeout` or `memorySize`
 */
export function validateFunctionSizing(scope: IConstruct, timeoutSeconds: number, memorySizeMb: number): void {
  if (timeoutSeconds < 60 || timeoutSeconds > 900) {
    throw new DatabaseMigrationsError('timeout', `must be between 1 and 15 minutes (Lambda maximum), got ${timeoutSeconds} s`, scope);
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
 * Checks `migrationsLayout` is `auto` or one of `MIGRATION_LAYOUTS`.
 *
 * @throws DatabaseMigrationsError naming `migrationsLayout` and listing the layouts
 */
export function validateMigrationsLayout(scope: IConstruct, layout: string): void {
  if (layout === 'auto' || isMigrationLayout(layout)) return;
  throw new DatabaseMigrationsError('migrationsLayout', `must be auto, ${MIGRATION_LAYOUTS.join(', ')}; got "${layout}"`, scope);
}
