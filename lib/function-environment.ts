import type { SnapshotBudgetSettings } from './snapshot-budget-settings';

/**
 * The environment variables the migrations function reads (`lambda/handler.ts`). The construct
 * sets every one of them; `local/lambda` resolves them for local runs.
 */
export const FUNCTION_ENVIRONMENT = {
  /** ARN of the Aurora cluster (Data API `resourceArn`). */
  clusterArn: 'RDS_MIGRATE_CLUSTER_ARN',
  /** ARN of the credentials secret (Data API `secretArn`). */
  secretArn: 'RDS_MIGRATE_SECRET_ARN',
  /** Database name (Data API `database`). */
  database: 'RDS_MIGRATE_DATABASE',
  /** Schemas the migrations own, comma-separated, e.g. `public,billing`. */
  schemas: 'RDS_MIGRATE_SCHEMAS',
  /** Name of the snapshot bucket. */
  snapshotBucket: 'RDS_MIGRATE_SNAPSHOT_BUCKET',
  /** Key prefix of the snapshots, ending in `/`. */
  snapshotPrefix: 'RDS_MIGRATE_SNAPSHOT_PREFIX',
  /** What a snapshot before migrating covers: `full`, `affected` or `none`. */
  snapshotScope: 'RDS_MIGRATE_SNAPSHOT_SCOPE',
  /** How many complete snapshots of the database to keep (older ones are deleted); unset: all. */
  snapshotKeep: 'RDS_MIGRATE_SNAPSHOT_KEEP',
  /** Largest estimated snapshot, bytes; unset: no limit. */
  snapshotMaxBytes: 'RDS_MIGRATE_SNAPSHOT_MAX_BYTES',
  /** Longest estimated snapshot export, seconds; unset: no limit. */
  snapshotMaxSeconds: 'RDS_MIGRATE_SNAPSHOT_MAX_SECONDS',
  /** Export rate the time estimate assumes, bytes per second; unset: 8 MiB/s. */
  snapshotBytesPerSecond: 'RDS_MIGRATE_SNAPSHOT_BYTES_PER_SECOND',
  /** Tables (ranges) a snapshot exports at once, 1 to 32; unset: 3. */
  snapshotParallelism: 'RDS_MIGRATE_SNAPSHOT_PARALLELISM',
  /** `isComplete` on the Provider framework's isComplete function (`lambda/function/provider-phase.ts`). */
  providerHandler: 'RDS_MIGRATE_PROVIDER_HANDLER',
} as const;

/** Powertools service name of the function's logs and metrics (the `service` dimension of its metrics). */
export const SERVICE_NAME = 'rds-migrate';

/** What the function is configured with; values may be CDK tokens (resolved at deploy time). */
export interface FunctionSettings {
  readonly clusterArn: string;
  readonly secretArn: string;
  readonly databaseName: string;
  readonly schemas: readonly string[];
  readonly snapshotBucketName: string;
  readonly snapshotPrefix: string;
  readonly snapshotScope: string;
  /** Unset: every snapshot is kept. */
  readonly snapshotsToKeep?: number;
  /** The snapshot budget and parallelism, in the function's units (`snapshot-budget-settings.ts`); only those set. */
  readonly snapshotBudget?: SnapshotBudgetSettings;
}

/**
 * The function's environment: the `FUNCTION_ENVIRONMENT` names, `POWERTOOLS_SERVICE_NAME`, and
 * `NODE_OPTIONS=--enable-source-maps` so stack traces point into the TypeScript sources.
 */
export function functionEnvironment(settings: FunctionSettings): Record<string, string> {
  return {
    [FUNCTION_ENVIRONMENT.clusterArn]: settings.clusterArn,
    [FUNCTION_ENVIRONMENT.secretArn]: settings.secretArn,
    [FUNCTION_ENVIRONMENT.database]: settings.databaseName,
    [FUNCTION_ENVIRONMENT.schemas]: settings.schemas.join(','),
    [FUNCTION_ENVIRONMENT.snapshotBucket]: settings.snapshotBucketName,
    [FUNCTION_ENVIRONMENT.snapshotPrefix]: settings.snapshotPrefix,
    [FUNCTION_ENVIRONMENT.snapshotScope]: settings.snapshotScope,
    ...(settings.snapshotsToKeep !== undefined ? { [FUNCTION_ENVIRONMENT.snapshotKeep]: String(settings.snapshotsToKeep) } : {}),
    ...budgetEnvironment(settings.snapshotBudget ?? {}),
    POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
    NODE_OPTIONS: '--enable-source-maps',
  };
}

/** The budget variables of the settings given. */
function budgetEnvironment(budget: SnapshotBudgetSettings): Record<string, string> {
  const variables: Record<string, string> = {};
  if (budget.maxBytes !== undefined) variables[FUNCTION_ENVIRONMENT.snapshotMaxBytes] = String(budget.maxBytes);
  if (budget.maxSeconds !== undefined) variables[FUNCTION_ENVIRONMENT.snapshotMaxSeconds] = String(budget.maxSeconds);
  if (budget.bytesPerSecond !== undefined) variables[FUNCTION_ENVIRONMENT.snapshotBytesPerSecond] = String(budget.bytesPerSecond);
  if (budget.parallelism !== undefined) variables[FUNCTION_ENVIRONMENT.snapshotParallelism] = String(budget.parallelism);
  return variables;
}
