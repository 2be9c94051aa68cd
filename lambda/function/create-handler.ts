import { randomUUID } from 'node:crypto';
import { dirname } from 'node:path';
import { RDSDataClient } from '@aws-sdk/client-rds-data';
import { S3Client } from '@aws-sdk/client-s3';
import type { Context } from 'aws-lambda';
import type { ActionContext } from '../actions/action-context';
import { runBaseline } from '../actions/baseline-action';
import { runPlan } from '../actions/plan-action';
import { runRepair } from '../actions/repair-action';
import { runRollback } from '../actions/rollback-action';
import { runListSnapshots } from '../actions/list-snapshots-action';
import { runRestore } from '../actions/restore-action';
import { runSnapshot } from '../actions/snapshot-action';
import { runStatus } from '../actions/status-action';
import { runUnlock } from '../actions/unlock-action';
import { runVerify } from '../actions/verify-action';
import { loadFunctionConfig, type FunctionConfig } from '../config/function-config';
import { DataApiDriver } from '../driver/data-api/data-api-driver';
import type { Driver } from '../driver/driver';
import { moduleLoader } from '../engine/data/module-loader';
import { parseEvent, type FunctionEvent } from '../events/parse-event';
import type { Log } from '../observability/log';
import { startRun } from '../observability/function-logger';
import { publishRunMetrics, startRunMetrics } from '../observability/metrics';
import { runMigrateStep, withInvocationSnapshotBudget } from '../actions/migrate-action';
import { runRestorePlan } from '../actions/restore-plan-action';
import { inProgressReport } from './budgeted-migrate';
import { handleCustomResource, pollCustomResource } from './custom-resource';
import type { InvocationClock } from './deploy/advance-deployment';
import { dataProgressLog } from './data-progress-log';
import { deployFailure } from './failure-reason';
import { invocationBudget } from './invocation-budget';
import { loadFunctionBundle } from './load-function-bundle';
import { providerPhase } from './provider-phase';
import { redactError, redactingLog, redactStrings } from './redact-row-data';

/** Seams for tests and for running the handler in-process; production uses none of them. */
export interface HandlerOverrides {
  readonly env?: NodeJS.ProcessEnv;
  /** Builds the driver for a run; @default a DataApiDriver on the configured cluster. */
  readonly driver?: (config: FunctionConfig) => Driver;
  readonly s3?: S3Client;
}

export type Handler = (event: unknown, context?: Context) => Promise<unknown>;

let rdsData: RDSDataClient | undefined;
let s3: S3Client | undefined;

function defaultDriver(config: FunctionConfig): Driver {
  // One SDK client per cold start (keeps its connections warm); a driver per run.
  rdsData ??= new RDSDataClient({ maxAttempts: 1 });
  return new DataApiDriver({ resourceArn: config.clusterArn, secretArn: config.secretArn, database: config.database, client: rdsData });
}

function defaultS3(config: FunctionConfig): S3Client {
  s3 ??= new S3Client({
    forcePathStyle: config.snapshot?.forcePathStyle ?? false,
    // s3rver (local runs) does not understand the aws-chunked checksum framing the SDK uses by default.
    ...(config.snapshot?.forcePathStyle ? { requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' } : {}),
  });
  return s3;
}

async function dispatch(ctx: ActionContext, parsed: FunctionEvent, clock: InvocationClock): Promise<unknown> {
  switch (parsed.kind) {
    case 'custom-resource':
      return providerPhase(clock.env) === 'isComplete' ? pollCustomResource(ctx, parsed.event, clock) : handleCustomResource(ctx, parsed.event, clock);
    case 'schedule':
      return runVerify(ctx);
    case 'manual': {
      const event = parsed.event;
      switch (event.action) {
        case 'status':
          return runStatus(ctx);
        case 'migrate': {
          const timeBudget = invocationBudget(clock.context, clock.env);
          const result = await runMigrateStep(ctx, {
            ...(event.targetVersion ? { targetVersion: event.targetVersion } : {}),
            ...(timeBudget ? { timeBudget } : {}),
          });
          return result.done ? result.report : inProgressReport(ctx, result, JSON.stringify(event));
        }
        case 'verify':
          return runVerify(ctx);
        case 'snapshot': {
          // As before a migration: a snapshot that would outlast the invocation is refused with its estimate.
          const timed = withInvocationSnapshotBudget(ctx, invocationBudget(clock.context, clock.env));
          return { action: 'snapshot', database: ctx.driver.database, snapshot: await runSnapshot(timed) };
        }
        case 'list-snapshots':
          return runListSnapshots(ctx, event.limit !== undefined ? { limit: event.limit } : {});
        case 'restore': {
          if (event.dryRun === true) {
            return runRestorePlan(ctx, {
              snapshotId: event.snapshotId,
              ...(event.targetSchema !== undefined ? { targetSchema: event.targetSchema } : {}),
              ...(event.targetDatabase !== undefined ? { targetDatabase: event.targetDatabase } : {}),
              ...(event.transaction ? { transaction: event.transaction } : {}),
            });
          }
          const timeBudget = invocationBudget(clock.context, clock.env);
          return runRestore(ctx, {
            snapshotId: event.snapshotId,
            confirm: event.confirm ?? '', // the event's schema requires it without dryRun
            ...(event.targetDatabase ? { targetDatabase: event.targetDatabase } : {}),
            ...(event.targetSchema !== undefined ? { targetSchema: event.targetSchema } : {}),
            ...(event.transaction ? { transaction: event.transaction } : {}),
            ...(timeBudget ? { timeBudget } : {}),
          });
        }
        case 'plan': {
          const timeBudget = invocationBudget(clock.context, clock.env);
          return runPlan(ctx, {
            ...(event.targetVersion ? { targetVersion: event.targetVersion } : {}),
            ...(event.direction ? { direction: event.direction } : {}),
            ...(timeBudget ? { timeBudget } : {}),
          });
        }
        case 'rollback': {
          const timeBudget = invocationBudget(clock.context, clock.env);
          return runRollback(ctx, { targetVersion: event.targetVersion, confirm: event.confirm, ...(timeBudget ? { timeBudget } : {}) });
        }
        case 'baseline':
          return runBaseline(ctx, { version: event.version });
        case 'repair':
          return runRepair(ctx);
        case 'unlock':
          return runUnlock(ctx);
      }
    }
  }
}

function describe(parsed: FunctionEvent, env: NodeJS.ProcessEnv): Record<string, unknown> {
  if (parsed.kind === 'custom-resource') return { source: 'cloudformation', requestType: parsed.event.RequestType, handler: providerPhase(env) };
  if (parsed.kind === 'schedule') return { source: 'schedule', action: 'verify' };
  return { source: 'manual', action: parsed.event.action };
}

/**
 * Builds the function's handler. Per invocation: a run id (the Lambda request id) on every log line;
 * the event validated first (an invalid one is refused with each bad field named, before anything is
 * read or touched); then the config, the bundle and a driver; then the action.
 *
 * Events: `{"action":"status"|"migrate"|"verify"|"snapshot"|"plan"|"rollback"|"baseline"|"repair"|"unlock"|...}` (see
 * `events/manual-event.ts`; `actions/` runs each), the
 * EventBridge scheduled event (verify), and CloudFormation custom resource requests from the Provider
 * framework (see `custom-resource.ts`): its onEvent handler, or its isComplete handler when
 * `RDS_MIGRATE_PROVIDER_HANDLER=isComplete` (`provider-phase.ts`). Failures of a CloudFormation request
 * are rethrown as a `DeployFailedError` whose message is a concise reason naming the migration,
 * statement and SQLSTATE, and where the logs are.
 *
 * Time budget: `migrate` and `rollback` (console) and CloudFormation requests stop cleanly before the
 * Lambda timeout (`invocation-budget.ts`): a console run then answers `inProgress: true` (invoke again), a
 * deployment continues in the Provider framework's next isComplete poll.
 */
export function createHandler(overrides: HandlerOverrides = {}): Handler {
  return async (event, context) => {
    const runId = context?.awsRequestId ?? randomUUID();
    // Row data PostgreSQL quotes in error messages never reaches a log line (redact-row-data.ts).
    const log: Log = redactingLog(startRun(runId, context));
    const env = overrides.env ?? process.env;
    let parsed: FunctionEvent;
    try {
      parsed = parseEvent(event);
    } catch (error) {
      log.error('event refused', { error: (error as Error).message });
      // A CloudFormation request's failure is the deploy's reason: one line, no stack trace.
      if (typeof event === 'object' && event !== null && 'RequestType' in event) throw deployFailure(error, runId, env);
      throw error;
    }
    log.info('run started', describe(parsed, env));
    const started = Date.now();
    let driver: Driver | undefined;
    try {
      const config = loadFunctionConfig(env);
      startRunMetrics(config.database);
      const bundle = loadFunctionBundle(config.bundlePath);
      driver = (overrides.driver ?? defaultDriver)(config);
      const ctx: ActionContext = {
        driver,
        bundle,
        schemas: config.schemas,
        appliedBy: config.appliedBy,
        lock: config.lock,
        log,
        ...(config.snapshot
          ? {
              snapshots: {
                s3: overrides.s3 ?? defaultS3(config),
                bucket: config.snapshot.bucket,
                prefix: config.snapshot.prefix,
                scope: config.snapshot.scope,
                budget: config.snapshot.budget,
                ...(config.snapshot.keep !== undefined ? { keep: config.snapshot.keep } : {}),
                ...(config.snapshot.parallelism !== undefined ? { parallelism: config.snapshot.parallelism } : {}),
              },
            }
          : {}),
        // A restore into another database of the cluster (same secret); the action closes it.
        openDatabase: (database: string) => (overrides.driver ?? defaultDriver)({ ...config, database }),
        // Data migrations' modules, bundled at synth time into data/ next to migrations.json.
        loadDataMigration: moduleLoader(dirname(config.bundlePath)),
        onDataProgress: dataProgressLog(log),
      };
      const result = await dispatch(ctx, parsed, { env, ...(context ? { context } : {}) });
      log.info('run finished', { ...describe(parsed, env), durationMs: Date.now() - started });
      return redactStrings(result);
    } catch (error) {
      // The error is logged by the Lambda runtime and shown by CloudFormation: without row data.
      redactError(error);
      log.error('run failed', { ...describe(parsed, env), durationMs: Date.now() - started, error: (error as Error)?.message ?? String(error) });
      if (parsed.kind === 'custom-resource') {
        throw deployFailure(error, runId, env);
      }
      throw error;
    } finally {
      // One EMF document per run on stdout (see observability/metrics.ts), also after a failure.
      publishRunMetrics();
      await driver?.close().catch(() => undefined);
    }
  };
}
