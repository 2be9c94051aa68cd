/**
 * The function in-process, as the reliability tests run it: the real handler from sources
 * (`createHandler`) with the real SDK clients, the local Data API over real PostgreSQL and a local S3
 * (s3rver), the way `test/integration/support/faktulove-harness.ts` runs it, with the pieces apart so a
 * test can give each "invocation" its own Data API server, function name, lock settings or S3 endpoint.
 */
import { RDSDataClient } from '@aws-sdk/client-rds-data';
import type { S3Client } from '@aws-sdk/client-s3';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DataApiDriver } from '../../../lambda/driver/data-api/data-api-driver';
import { createHandler, type Handler } from '../../../lambda/function/create-handler';
import type { MigrationBundle } from '../../../lambda/migrations/bundle';
import { writeBundleFile } from '../../../lambda/migrations/write-bundle';
import type { LocalDataApi } from '../../../local/data-api/server';
import { LOCAL_S3_ACCESS_KEY_ID, LOCAL_S3_SECRET_ACCESS_KEY, localS3Client } from '../../../local/s3/local-s3';

/** A compiled `migrations.json` in a task root of its own. */
export interface TaskRoot {
  readonly dir: string;
  readonly bundle: MigrationBundle;
  remove(): Promise<void>;
}

/** Compiles `migrationsDir` into `<temp>/migrations.json`, as the construct does at synth time. */
export async function compileTaskRoot(migrationsDir: string): Promise<TaskRoot> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'rds-migrate-reliability-task-'));
  const bundle = await writeBundleFile(migrationsDir, path.join(dir, 'migrations.json'));
  return { dir, bundle, remove: () => rm(dir, { recursive: true, force: true }) };
}

export interface FunctionInstanceOptions {
  readonly dataApi: LocalDataApi;
  /** Database the function migrates (its `RDS_MIGRATE_DATABASE`). */
  readonly database: string;
  readonly taskRoot: TaskRoot;
  /** S3 endpoint for snapshots (s3rver, or a fault proxy in front of it); none: snapshots off. */
  readonly s3Endpoint?: string;
  /** @default 'rds-migrate-snapshots' */
  readonly bucket?: string;
  /** `AWS_LAMBDA_FUNCTION_NAME`: the schema history's `applied_by` and the lock's owner are `lambda:<name>`. */
  readonly functionName?: string;
  /** More environment variables (`RDS_MIGRATE_LOCK_WAIT_MS`, ...), applied last. */
  readonly env?: Record<string, string>;
}

/** One function "instance": a handler with its own SDK clients (as one Lambda execution environment). */
export interface FunctionInstance {
  readonly invoke: Handler;
  readonly env: Record<string, string>;
  /** Destroys the SDK clients. */
  destroy(): void;
}

/** The environment the construct gives the function, pointed at the local stand-ins. */
export function functionEnvironment(options: FunctionInstanceOptions): Record<string, string> {
  return {
    RDS_MIGRATE_CLUSTER_ARN: options.dataApi.resourceArn,
    RDS_MIGRATE_SECRET_ARN: options.dataApi.secretArn,
    RDS_MIGRATE_DATABASE: options.database,
    RDS_MIGRATE_SCHEMAS: 'public',
    ...(options.s3Endpoint
      ? {
          RDS_MIGRATE_SNAPSHOT_BUCKET: options.bucket ?? 'rds-migrate-snapshots',
          RDS_MIGRATE_SNAPSHOT_PREFIX: 'snapshots/',
          RDS_MIGRATE_S3_FORCE_PATH_STYLE: 'true',
          AWS_ENDPOINT_URL_S3: options.s3Endpoint,
        }
      : {}),
    AWS_ENDPOINT_URL_RDS_DATA: options.dataApi.endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: LOCAL_S3_ACCESS_KEY_ID,
    AWS_SECRET_ACCESS_KEY: LOCAL_S3_SECRET_ACCESS_KEY,
    LAMBDA_TASK_ROOT: options.taskRoot.dir,
    ...(options.functionName ? { AWS_LAMBDA_FUNCTION_NAME: options.functionName } : {}),
    ...options.env,
  };
}

/** Builds a handler over the given Data API server and S3 endpoint, with SDK clients of its own. */
export function functionInstance(options: FunctionInstanceOptions): FunctionInstance {
  const env = functionEnvironment(options);
  // As in the function: the SDK re-sends nothing on its own (maxAttempts 1); the engine decides.
  const rdsData = new RDSDataClient({ ...options.dataApi.clientConfig(), maxAttempts: 1 });
  const s3: S3Client | undefined = options.s3Endpoint ? localS3Client(options.s3Endpoint) : undefined;
  const invoke = createHandler({
    env,
    ...(s3 ? { s3 } : {}),
    driver: (config) => new DataApiDriver({ resourceArn: config.clusterArn, secretArn: config.secretArn, database: config.database, client: rdsData }),
  });
  return {
    invoke,
    env,
    destroy() {
      rdsData.destroy();
      s3?.destroy();
    },
  };
}
