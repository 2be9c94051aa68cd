/**
 * One seed system run end to end by the synthesized function: `cdk synth` of the example app pointed
 * at the system's migrations folder (context `migrationsDirectory`), a fresh database loaded with the
 * system's schema and seed, the local Data API and S3 over it, and the bundle from `cdk.out` invoked
 * as a cold start for every step: status, plan, baseline, migrate, verify, rollback, restore.
 */
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { BaselineActionReport } from '../../../lambda/actions/baseline-action';
import type { MigrateActionReport } from '../../../lambda/actions/migrate-action';
import type { PlanActionReport } from '../../../lambda/actions/plan-action';
import type { RestoreActionReport } from '../../../lambda/actions/restore-action';
import type { RollbackActionReport, RollbackInProgressReport } from '../../../lambda/actions/rollback-action';
import type { StatusActionReport } from '../../../lambda/actions/status-action';
import { BUNDLE_FILE_NAME, type MigrationBundle } from '../../../lambda/migrations/bundle';
import { loadBundle } from '../../../lambda/migrations/load-bundle';
import { parseSnapshotKey, readManifest } from '../../../lambda/snapshot';
import type { SnapshotManifest } from '../../../lambda/snapshot/manifest';
import type { VerificationReport } from '../../../lambda/verify/report';
import { startLocalAws, type LocalAws } from '../../../local/environment/local-aws';
import { loadSynthesizedFunction, synth, type InvokeResult, type SynthesizedFunction } from '../../../local/lambda';
import { TIME_RESERVE_ENV } from '../../../lambda/function/invocation-budget';
import { createTestDatabase, type TestDatabase } from '../../support/database';
import { tableRowObjects } from '../../snapshot/support/row-objects';
import { readTableObject } from '../../snapshot/support/table-object';

/** The snapshot prefix the harness gives the function (`RDS_MIGRATE_SNAPSHOT_PREFIX`). */
const SNAPSHOT_PREFIX = 'snapshots/';

export interface ExampleHarnessOptions {
  /** Database name prefix, e.g. `sims`. */
  readonly name: string;
  /** Absolute path of the example's migrations folder (passed to `cdk synth` as context). */
  readonly migrationsDir: string;
  /** Loads the example's schema and seed into the empty database at the URL. */
  readonly load: (databaseUrl: string) => Promise<void>;
  /** Variables added to the function's environment, e.g. `{ RDS_MIGRATE_SNAPSHOT_SCOPE: 'affected' }`. @default none */
  readonly environment?: Record<string, string>;
}

export interface ExampleHarness {
  readonly db: TestDatabase;
  readonly aws: LocalAws;
  readonly fn: SynthesizedFunction;
  /** The compiled bundle inside the function's asset (`migrations.json`), as the function loads it. */
  readonly bundle: MigrationBundle;
  /**
   * Invokes the bundled function with an event.
   * @throws Error with the function's errorType and errorMessage when it failed
   */
  invoke<T>(event: unknown): Promise<T>;
  /**
   * Invokes the bundled function with an event that must fail.
   * @returns the function's errorType and errorMessage
   * @throws Error when the function succeeded
   */
  invokeFailing(event: unknown): Promise<{ errorType: string; errorMessage: string }>;
  /**
   * Invokes the bundled function as a short Lambda invocation: the context's remaining time starts at
   * `budget.timeoutMs` (the cold start counts down from it too) and the function keeps
   * `budget.reserveMs` back (`RDS_MIGRATE_TIME_RESERVE_MS`), so its engine may spend about
   * `timeoutMs - reserveMs`, ms, before it stops cleanly (between migrations, between a data
   * migration's batches) and answers in progress.
   * @returns the invocation's outcome with the function's logs (JSON lines)
   */
  invokeWithBudget<T>(event: unknown, budget: { timeoutMs: number; reserveMs: number }): Promise<InvokeResult<T>>;
  /** `{"action":"migrate"}` through the function. */
  migrate(): Promise<MigrateActionReport>;
  /** `{"action":"verify"}` through the function. */
  verify(): Promise<{ action: 'verify'; verification: VerificationReport }>;
  /** `{"action":"status"}` through the function. */
  status(): Promise<StatusActionReport>;
  /** `{"action":"plan"}` through the function. */
  plan(): Promise<PlanActionReport>;
  /** `{"action":"baseline","version":...}` through the function. */
  baseline(version: string): Promise<BaselineActionReport>;
  /**
   * `{"action":"rollback","targetVersion":...,"confirm":...}` through the function, confirmed (`0`
   * reverts everything): snapshot, down scripts, fingerprint, verification at the target.
   * @throws Error when the function answers in progress (the examples' rollbacks fit one invocation)
   */
  rollback(targetVersion: string): Promise<RollbackActionReport>;
  /** `{"action":"restore","snapshotId":...,"confirm":...}` through the function, confirmed, in place. */
  restore(snapshotId: string): Promise<RestoreActionReport>;
  /** Reads and validates a snapshot's manifest from the local S3. */
  readManifest(snapshotId: string): Promise<SnapshotManifest>;
  /**
   * Reads a snapshot table object back into rows keyed by column name, each value as PostgreSQL's JSON of it
   * (record lines read back by PostgreSQL with the manifest's column types: `tableRowObjects`).
   */
  readTableRows(key: string): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

/**
 * Synthesizes the example app with the system's migrations into a temporary `cdk.out`, creates and
 * loads the database, starts the local Data API and S3, and loads the function. Slow (`cdk synth`
 * bundles the function with esbuild: 20-60 s on a busy machine): call once per test file, in beforeAll.
 * @throws Error from `cdk synth` when a migration does not compile, or when the load fails
 */
export async function startExampleHarness(options: ExampleHarnessOptions): Promise<ExampleHarness> {
  const cdkOut = await mkdtemp(path.join(os.tmpdir(), `rds-migrate-${options.name}-cdk-out-`));
  const db = await createTestDatabase(options.name);
  let aws: LocalAws | undefined;
  try {
    await options.load(db.url);
    aws = await startLocalAws({ databaseUrl: db.url, snapshotPrefix: SNAPSHOT_PREFIX });
    await synth({ outdir: cdkOut, context: { migrationsDirectory: options.migrationsDir } });
    const fn = await loadSynthesizedFunction({ cdkOut, synth: 'never', environment: aws.functionEnvironment(options.environment) });
    const bundle = loadBundle(JSON.parse(await readFile(path.join(fn.assetDir, BUNDLE_FILE_NAME), 'utf8')), BUNDLE_FILE_NAME);
    const localAws = aws;
    const s3 = localAws.s3.client();

    const invoke = async <T>(event: unknown): Promise<T> => {
      const outcome = await fn.invoke<T>(event);
      if (!outcome.ok) throw new Error(`${JSON.stringify(event)} failed: ${outcome.error.errorType}: ${outcome.error.errorMessage}`);
      return outcome.result;
    };
    return {
      db,
      aws: localAws,
      fn,
      bundle,
      invoke,
      async invokeFailing(event) {
        const outcome = await fn.invoke(event);
        if (outcome.ok) throw new Error(`${JSON.stringify(event)} succeeded, a failure was expected: ${JSON.stringify(outcome.result).slice(0, 500)}`);
        return { errorType: outcome.error.errorType, errorMessage: outcome.error.errorMessage };
      },
      invokeWithBudget: <T>(event: unknown, budget: { timeoutMs: number; reserveMs: number }) =>
        fn.invoke<T>(event, { [TIME_RESERVE_ENV]: String(budget.reserveMs) }, { timeoutMs: budget.timeoutMs }),
      migrate: () => invoke<MigrateActionReport>({ action: 'migrate' }),
      verify: () => invoke({ action: 'verify' }),
      status: () => invoke<StatusActionReport>({ action: 'status' }),
      plan: () => invoke<PlanActionReport>({ action: 'plan' }),
      baseline: (version) => invoke<BaselineActionReport>({ action: 'baseline', version }),
      async rollback(targetVersion) {
        const report = await invoke<RollbackActionReport | RollbackInProgressReport>({ action: 'rollback', targetVersion, confirm: targetVersion });
        if ('inProgress' in report) throw new Error(`rollback to ${targetVersion} did not finish in one invocation: ${report.message}`);
        return report;
      },
      restore: (snapshotId) => invoke<RestoreActionReport>({ action: 'restore', snapshotId, confirm: snapshotId }),
      readManifest: (snapshotId) =>
        readManifest({ s3, bucket: localAws.bucket, prefix: SNAPSHOT_PREFIX, database: db.name, snapshotId }),
      async readTableRows(key) {
        const parsed = parseSnapshotKey({ prefix: SNAPSHOT_PREFIX, database: db.name }, key);
        if (parsed?.kind !== 'table') throw new Error(`${key} is not a table object of a snapshot of ${db.name}`);
        const manifest = await readManifest({ s3, bucket: localAws.bucket, prefix: SNAPSHOT_PREFIX, database: db.name, snapshotId: parsed.snapshotId });
        const table = manifest.tables.find((t) => t.key === key);
        if (!table) throw new Error(`${key} is not in the manifest of snapshot ${parsed.snapshotId}`);
        return tableRowObjects(db.url, table, await readTableObject(s3, localAws.bucket, key));
      },
      async close() {
        await localAws.close();
        await db.drop();
        await rm(cdkOut, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await aws?.close();
    await db.drop();
    await rm(cdkOut, { recursive: true, force: true });
    throw error;
  }
}
