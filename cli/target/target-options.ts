import path from 'node:path';
import { Option, type Command } from 'commander';
import { UsageError } from '../usage-error';

/** The target flags, as commander parsed them. */
export interface TargetFlags {
  readonly databaseUrl?: string;
  readonly resourceArn?: string;
  readonly secretArn?: string;
  readonly database?: string;
  readonly endpoint?: string;
  readonly region?: string;
}

/** The database a command works on. */
export type TargetSpec =
  /** A direct connection (`--database-url`), through the `pg` driver. */
  | { readonly kind: 'pg'; readonly url: string; readonly database: string }
  /** The RDS Data API (`--resource-arn`, `--secret-arn`, `--database`, optionally `--endpoint`). */
  | {
      readonly kind: 'data-api';
      readonly resourceArn: string;
      readonly secretArn: string;
      readonly database: string;
      readonly endpoint?: string;
      readonly region?: string;
    }
  /** No target flags: the project's embedded PostgreSQL, its data kept in `dataDir`. */
  | { readonly kind: 'embedded'; readonly dataDir: string; readonly database: string };

/** Where the embedded PostgreSQL keeps its data, relative to the project folder. */
export const EMBEDDED_DATA_DIR = path.join('.rds-migrate', 'postgres');

/** The embedded PostgreSQL's database when `--database` is not given. */
export const EMBEDDED_DEFAULT_DATABASE = 'postgres';

/** Help text on targets, shown by every command that reaches a database. */
export const TARGET_HELP = `Targets (pick one):
  --database-url postgres://user:pass@host:5432/db   direct connection (env DATABASE_URL)
  --resource-arn ARN --secret-arn ARN --database DB   RDS Data API (env RDS_MIGRATE_CLUSTER_ARN,
                                                      RDS_MIGRATE_SECRET_ARN, RDS_MIGRATE_DATABASE);
                                                      add --endpoint URL for rds-migrate data-api-local
  (none)                                              an embedded PostgreSQL kept in ${EMBEDDED_DATA_DIR}/
                                                      of the project, started for the command and
                                                      stopped after (--database picks its database)`;

/** Adds the target flags to a command. */
export function addTargetOptions(command: Command): Command {
  return command
    .addOption(new Option('--database-url <url>', 'PostgreSQL URL of the database (direct connection)').env('DATABASE_URL'))
    .addOption(new Option('--resource-arn <arn>', 'Aurora cluster ARN (Data API)').env('RDS_MIGRATE_CLUSTER_ARN'))
    .addOption(new Option('--secret-arn <arn>', 'Secrets Manager secret ARN with the credentials (Data API)').env('RDS_MIGRATE_SECRET_ARN'))
    .addOption(new Option('--database <name>', 'database name (Data API; or the embedded PostgreSQL\'s)').env('RDS_MIGRATE_DATABASE'))
    .option('--endpoint <url>', 'Data API endpoint, e.g. the one data-api-local prints')
    .option('--region <region>', 'AWS region of the Data API (default: the SDK\'s, us-east-1 for a local endpoint)');
}

const NAME = /^[A-Za-z_][A-Za-z0-9_-]{0,62}$/;

function parseDatabaseUrl(url: string): { url: string; database: string } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`--database-url: ${JSON.stringify(redactUrl(url))} is not a URL; expected postgres://user:password@host:5432/database`);
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new UsageError(`--database-url: the scheme must be postgres:// or postgresql://, got ${parsed.protocol}//`);
  }
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  if (database === '') throw new UsageError('--database-url: the URL names no database (postgres://host:5432/<database>)');
  return { url, database };
}

function checkArn(value: string, flag: string, service: 'rds' | 'secretsmanager'): string {
  if (!new RegExp(`^arn:[a-z-]+:${service}:`).test(value)) {
    const example = service === 'rds' ? 'arn:aws:rds:eu-west-1:123456789012:cluster:app' : 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:app-AbCdEf';
    throw new UsageError(`${flag}: ${JSON.stringify(value)} is not ${service === 'rds' ? 'a cluster' : 'a secret'} ARN, e.g. ${example}`);
  }
  return value;
}

/** Checks an http(s) endpoint flag. @throws {UsageError} naming `flag` */
export function checkEndpoint(value: string, flag: string): string {
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new UsageError(`${flag}: ${JSON.stringify(value)} is not a URL, e.g. http://127.0.0.1:8080`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new UsageError(`${flag}: must be an http:// or https:// URL`);
  return value;
}

/** The URL without its password, for messages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url.replace(/:[^:@/]*@/, ':***@');
  }
}

/**
 * Picks the target from the flags (see {@link TARGET_HELP}).
 * @param sources where each flag's value came from (`cli`, `env`), to let a flag on the command line
 *   win over an environment variable of the other target
 * @param cwd the project folder (the embedded PostgreSQL's data lives under it)
 * @throws {UsageError} naming the flag: both targets given on the command line, a Data API flag
 *   missing, a malformed URL or ARN, `--endpoint` without `--resource-arn`
 */
export function resolveTarget(flags: TargetFlags, sources: (flag: keyof TargetFlags) => string | undefined, cwd: string): TargetSpec {
  let { databaseUrl, resourceArn } = flags;
  if (databaseUrl && resourceArn) {
    const urlSource = sources('databaseUrl');
    const arnSource = sources('resourceArn');
    if (urlSource === arnSource) {
      throw new UsageError('--database-url and --resource-arn both given: pick one target (a direct connection, or the Data API)');
    }
    if (urlSource === 'cli') resourceArn = undefined;
    else databaseUrl = undefined;
  }
  if (databaseUrl) {
    for (const flag of ['endpoint', 'secretArn'] as const) {
      if (flags[flag] && sources(flag) === 'cli') throw new UsageError(`--${kebab(flag)} is a Data API flag: it cannot be used with --database-url`);
    }
    return { kind: 'pg', ...parseDatabaseUrl(databaseUrl) };
  }
  if (resourceArn) {
    if (!flags.secretArn) throw new UsageError('--secret-arn is required with --resource-arn (the secret holding the database credentials)');
    if (!flags.database) throw new UsageError('--database is required with --resource-arn (the database name in the cluster)');
    return {
      kind: 'data-api',
      resourceArn: checkArn(resourceArn, '--resource-arn', 'rds'),
      secretArn: checkArn(flags.secretArn, '--secret-arn', 'secretsmanager'),
      database: flags.database,
      ...(flags.endpoint ? { endpoint: checkEndpoint(flags.endpoint, '--endpoint') } : {}),
      ...(flags.region ? { region: flags.region } : {}),
    };
  }
  if (flags.endpoint) throw new UsageError('--endpoint needs --resource-arn, --secret-arn and --database (the Data API target)');
  if (flags.secretArn && sources('secretArn') === 'cli') throw new UsageError('--secret-arn needs --resource-arn (the Data API target)');
  const database = flags.database ?? EMBEDDED_DEFAULT_DATABASE;
  if (!NAME.test(database)) {
    throw new UsageError(`--database: ${JSON.stringify(database)} is not a database name for the embedded PostgreSQL (letters, digits, _ and -, at most 63)`);
  }
  return { kind: 'embedded', dataDir: path.join(cwd, EMBEDDED_DATA_DIR), database };
}

/** True when the flags name a target (lint reads the database only then). */
export function targetGiven(flags: TargetFlags): boolean {
  return Boolean(flags.databaseUrl || flags.resourceArn);
}

/** A one-line description of the target for people (no password). */
export function describeTarget(spec: TargetSpec, cwd: string): string {
  switch (spec.kind) {
    case 'pg':
      return redactUrl(spec.url);
    case 'data-api':
      return `Data API ${spec.resourceArn} database ${spec.database}${spec.endpoint ? ` via ${spec.endpoint}` : ''}`;
    case 'embedded':
      return `embedded PostgreSQL in ${path.relative(cwd, spec.dataDir) || '.'} database ${spec.database}`;
  }
}

function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}
