import { z } from 'zod';
import { assertKeyPrefix } from '../snapshot/keys';

/** SQL identifier as PostgreSQL accepts unquoted (docs 4.1.1), at most 63 bytes (NAMEDATALEN - 1). */
const schemaName = z
  .string()
  .regex(/^[a-z_][a-z0-9_$]{0,62}$/, 'a schema name is a lower-case unquoted identifier of at most 63 characters');

const flag = z
  .enum(['true', 'false', '1', '0', ''])
  .optional()
  .transform((v) => v === 'true' || v === '1');

/** A whole number of milliseconds, as an environment variable's text (at most about 24.8 days). */
const wholeMs = z
  .string()
  .regex(/^[0-9]{1,10}$/, 'must be a whole number of milliseconds')
  .transform(Number)
  .refine((n) => n <= 2_147_483_647, 'must be at most 2147483647 ms');

/** A whole number from `min` to `max` (of `unit`), as an environment variable's text. */
function wholeNumber(unit: string, min: number, max = Number.MAX_SAFE_INTEGER) {
  return z
    .string()
    .regex(/^[0-9]{1,16}$/, `must be a whole number of ${unit}`)
    .transform(Number)
    .refine((n) => n >= min && n <= max, `must be from ${min} to ${max} ${unit}`);
}

/**
 * The function's environment, as the construct sets it. Local runs point the AWS SDK at the local
 * Data API and S3 with the SDK's own `AWS_ENDPOINT_URL_RDS_DATA` / `AWS_ENDPOINT_URL_S3` variables.
 */
const envSchema = z.object({
  /** ARN of the Aurora cluster with the Data API enabled. */
  RDS_MIGRATE_CLUSTER_ARN: z.string().min(1, 'is required (the cluster ARN)'),
  /** ARN of the Secrets Manager secret with the database credentials. */
  RDS_MIGRATE_SECRET_ARN: z.string().min(1, 'is required (the secret ARN)'),
  /** Database name. */
  RDS_MIGRATE_DATABASE: z.string().min(1, 'is required (the database name)'),
  /** Comma-separated schemas that snapshots and catalog checks cover. @default "public" */
  RDS_MIGRATE_SCHEMAS: z.string().optional(),
  /** Bucket for snapshots; snapshots are taken only when it is set. */
  RDS_MIGRATE_SNAPSHOT_BUCKET: z.string().optional(),
  /** Key prefix for snapshots: '' or S3 safe characters ending in "/" (`snapshot/keys.ts`). @default "snapshots/" */
  RDS_MIGRATE_SNAPSHOT_PREFIX: z.string().optional(),
  /** Path-style S3 addressing, for local S3 servers only. @default false */
  RDS_MIGRATE_S3_FORCE_PATH_STYLE: flag,
  /** Where the migration bundle is; @default `${LAMBDA_TASK_ROOT}/migrations.json` */
  RDS_MIGRATE_BUNDLE_PATH: z.string().optional(),
  /** How long a migrate waits for the migration lock another runner holds, ms; 0 fails at once naming the holder. @default 0 */
  RDS_MIGRATE_LOCK_WAIT_MS: wholeMs.optional(),
  /** Lock lease length: how long the lock outlives a runner that stopped (timed out), ms. @default 60000 (engine default) */
  RDS_MIGRATE_LOCK_LEASE_MS: wholeMs.optional(),
  /** What the snapshot before migrating covers: full, affected or none (`snapshot/scope/snapshot-scope.ts`). @default "full" */
  RDS_MIGRATE_SNAPSHOT_SCOPE: z.enum(['full', 'affected', 'none'], { error: 'must be full, affected or none' }).optional(),
  /** Largest estimated snapshot (pg_table_size of its tables), bytes; a larger one refuses the migration. @default no limit */
  RDS_MIGRATE_SNAPSHOT_MAX_BYTES: wholeNumber('bytes', 1).optional(),
  /** Longest estimated snapshot export, seconds; a longer one refuses the migration. @default no limit */
  RDS_MIGRATE_SNAPSHOT_MAX_SECONDS: wholeNumber('seconds', 1).optional(),
  /** Export rate the time estimate assumes, bytes of table per second. @default 8388608 (8 MiB/s) */
  RDS_MIGRATE_SNAPSHOT_BYTES_PER_SECOND: wholeNumber('bytes per second', 1).optional(),
  /** Complete snapshots kept per database; older ones are deleted after each new snapshot. @default all kept */
  RDS_MIGRATE_SNAPSHOT_KEEP: wholeNumber('snapshots', 1).optional(),
  /** Tables a snapshot exports at once, 1 to 32. @default 3 */
  RDS_MIGRATE_SNAPSHOT_PARALLELISM: wholeNumber('tables', 1, 32).optional(),
  LAMBDA_TASK_ROOT: z.string().optional(),
  AWS_LAMBDA_FUNCTION_NAME: z.string().optional(),
});

export interface FunctionConfig {
  readonly clusterArn: string;
  readonly secretArn: string;
  readonly database: string;
  /** Schemas covered by snapshots and catalog checks, in order. */
  readonly schemas: string[];
  /** Snapshot destination and settings; undefined means snapshots are off. */
  readonly snapshot?: {
    readonly bucket: string;
    readonly prefix: string;
    readonly forcePathStyle: boolean;
    /** What the snapshot before migrating covers. */
    readonly scope: 'full' | 'affected' | 'none';
    /** Only the limits set. */
    readonly budget: { readonly maxBytes?: number; readonly maxSeconds?: number; readonly bytesPerSecond?: number };
    /** Complete snapshots kept, when set. */
    readonly keep?: number;
    /** Tables exported at once, when set. */
    readonly parallelism?: number;
  };
  /** Absolute path of migrations.json. */
  readonly bundlePath: string;
  /** Recorded as `applied_by` in the schema history. */
  readonly appliedBy: string;
  /** The migration lock's wait and lease (`engine/lock/lease.ts`); only the variables set. */
  readonly lock: { readonly waitMs?: number; readonly leaseMs?: number };
}

/** The environment variables were missing or malformed; `issues` names each variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly issues: string[]) {
    super(`Invalid function configuration: ${issues.join('; ')}`);
  }
}

/**
 * Reads the function's configuration from its environment.
 * @throws {ConfigError} naming each missing or malformed variable.
 */
export function loadFunctionConfig(env: NodeJS.ProcessEnv = process.env): FunctionConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`));
  }
  const e = parsed.data;
  const schemaList = (e.RDS_MIGRATE_SCHEMAS ?? 'public').split(',').map((s) => s.trim()).filter((s) => s !== '');
  const issues: string[] = [];
  schemaList.forEach((s, i) => {
    const r = schemaName.safeParse(s);
    if (!r.success) issues.push(`RDS_MIGRATE_SCHEMAS[${i}] "${s}": ${r.error.issues[0]?.message}`);
  });
  if (schemaList.length === 0) issues.push('RDS_MIGRATE_SCHEMAS names no schema');
  const prefix = e.RDS_MIGRATE_SNAPSHOT_PREFIX ?? 'snapshots/';
  // The snapshot's own key rule, checked now: a prefix it refuses would otherwise fail every run at its snapshot.
  try {
    assertKeyPrefix(prefix);
  } catch (error) {
    issues.push(`RDS_MIGRATE_SNAPSHOT_PREFIX ${(error as Error).message.replace(/^prefix: /, '')}`);
  }
  if (issues.length > 0) throw new ConfigError(issues);
  const root = e.LAMBDA_TASK_ROOT ?? process.cwd();
  return {
    clusterArn: e.RDS_MIGRATE_CLUSTER_ARN,
    secretArn: e.RDS_MIGRATE_SECRET_ARN,
    database: e.RDS_MIGRATE_DATABASE,
    schemas: schemaList,
    snapshot: e.RDS_MIGRATE_SNAPSHOT_BUCKET
      ? {
          bucket: e.RDS_MIGRATE_SNAPSHOT_BUCKET,
          prefix,
          forcePathStyle: e.RDS_MIGRATE_S3_FORCE_PATH_STYLE,
          scope: e.RDS_MIGRATE_SNAPSHOT_SCOPE ?? 'full',
          budget: {
            ...(e.RDS_MIGRATE_SNAPSHOT_MAX_BYTES !== undefined ? { maxBytes: e.RDS_MIGRATE_SNAPSHOT_MAX_BYTES } : {}),
            ...(e.RDS_MIGRATE_SNAPSHOT_MAX_SECONDS !== undefined ? { maxSeconds: e.RDS_MIGRATE_SNAPSHOT_MAX_SECONDS } : {}),
            ...(e.RDS_MIGRATE_SNAPSHOT_BYTES_PER_SECOND !== undefined ? { bytesPerSecond: e.RDS_MIGRATE_SNAPSHOT_BYTES_PER_SECOND } : {}),
          },
          ...(e.RDS_MIGRATE_SNAPSHOT_KEEP !== undefined ? { keep: e.RDS_MIGRATE_SNAPSHOT_KEEP } : {}),
          ...(e.RDS_MIGRATE_SNAPSHOT_PARALLELISM !== undefined ? { parallelism: e.RDS_MIGRATE_SNAPSHOT_PARALLELISM } : {}),
        }
      : undefined,
    bundlePath: e.RDS_MIGRATE_BUNDLE_PATH ?? `${root.replace(/\/$/, '')}/migrations.json`,
    appliedBy: e.AWS_LAMBDA_FUNCTION_NAME ? `lambda:${e.AWS_LAMBDA_FUNCTION_NAME}` : 'rds-migrate',
    lock: {
      ...(e.RDS_MIGRATE_LOCK_WAIT_MS !== undefined ? { waitMs: e.RDS_MIGRATE_LOCK_WAIT_MS } : {}),
      ...(e.RDS_MIGRATE_LOCK_LEASE_MS !== undefined ? { leaseMs: e.RDS_MIGRATE_LOCK_LEASE_MS } : {}),
    },
  };
}
