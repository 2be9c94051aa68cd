/**
 * The function's two Provider framework handlers built from sources (`createHandler`) over a `pg`
 * driver, for the lifecycle rules that need no bundle from `cdk.out`: fast, and with a Lambda-like
 * context whose remaining time the test sets.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { S3Client } from '@aws-sdk/client-s3';
import type { Context } from 'aws-lambda';
import { PgDriver } from '../../../lambda/driver/pg/pg-driver';
import { createHandler } from '../../../lambda/function/create-handler';
import { writeBundleFile } from '../../../lambda/migrations/write-bundle';
import type { InvokeResult } from '../../../local/lambda';
import type { TestDatabase } from '../../support/database';
import type { ProviderFunctions } from './cloudformation';

/** A Lambda context with `remainingMs` left at the start, counting down. */
export function lambdaContext(remainingMs: number): Context {
  const deadline = Date.now() + remainingMs;
  return { awsRequestId: randomUUID(), getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()) } as unknown as Context;
}

/** Runs a handler the way `SynthesizedFunction.invoke` reports it (result, or the error in the Lambda runtime's shape). */
async function asInvocation(run: () => Promise<unknown>): Promise<InvokeResult> {
  const started = Date.now();
  try {
    return { ok: true, result: (await run()) ?? null, logs: '', durationMs: Date.now() - started };
  } catch (error) {
    const e = error as Error;
    return { ok: false, error: { errorType: e.name, errorMessage: e.message, trace: (e.stack ?? '').split('\n') }, logs: '', durationMs: Date.now() - started };
  }
}

const taskRoots: string[] = [];

/** A release compiled into `migrations.json`, with handlers over the test database. */
export interface InProcessRelease {
  /** The compiled bundle's checksum (the resource's `MigrationsChecksum`). */
  readonly checksum: string;
  /** The Provider framework's view of the two handlers; `remainingMs` gives each invocation a context. */
  functions(options?: { remainingMs?: number; env?: Record<string, string> }): ProviderFunctions;
  /** The onEvent handler, called directly (console events), with more environment variables. */
  invoke(event: unknown, context?: Context, env?: Record<string, string>): Promise<unknown>;
}

/**
 * Compiles `migrationsDir` and builds its handlers over `db` (the function name is `migrations-fn`).
 * @param snapshots a bucket and the client to reach it: snapshots on (`RDS_MIGRATE_SNAPSHOT_BUCKET`); none: off
 */
export async function inProcessRelease(db: TestDatabase, migrationsDir: string, snapshots?: { bucket: string; s3: S3Client }): Promise<InProcessRelease> {
  const taskRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'rds-migrate-lifecycle-task-'));
  taskRoots.push(taskRoot);
  const bundlePath = path.join(taskRoot, 'migrations.json');
  const bundle = await writeBundleFile(migrationsDir, bundlePath);
  const env = (extra: Record<string, string> = {}) => ({
    RDS_MIGRATE_CLUSTER_ARN: 'arn:aws:rds:us-east-1:123456789012:cluster:lifecycle',
    RDS_MIGRATE_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:lifecycle-AbCdEf',
    RDS_MIGRATE_DATABASE: db.name,
    RDS_MIGRATE_BUNDLE_PATH: bundlePath,
    AWS_LAMBDA_FUNCTION_NAME: 'migrations-fn',
    ...(snapshots ? { RDS_MIGRATE_SNAPSHOT_BUCKET: snapshots.bucket, RDS_MIGRATE_S3_FORCE_PATH_STYLE: 'true' } : {}),
    ...extra,
  });
  const handler = (extra?: Record<string, string>) =>
    createHandler({ env: env(extra), driver: () => new PgDriver({ connectionString: db.url }), ...(snapshots ? { s3: snapshots.s3 } : {}) });
  return {
    checksum: bundle.checksum,
    functions(options = {}) {
      const onEvent = handler(options.env);
      const isComplete = handler({ ...options.env, RDS_MIGRATE_PROVIDER_HANDLER: 'isComplete' });
      const context = () => (options.remainingMs === undefined ? undefined : lambdaContext(options.remainingMs));
      return {
        onEvent: (event) => asInvocation(() => onEvent(event, context())),
        isComplete: (event) => asInvocation(() => isComplete(event, context())),
        onEventName: 'migrations-fn',
        isCompleteName: 'migrations-fn-is-complete',
      };
    },
    invoke: (event, context, extra) => handler(extra)(event, context),
  };
}

/** Removes the task roots {@link inProcessRelease} created: call in `afterAll`. */
export function removeTaskRoots(): void {
  for (const dir of taskRoots.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}
