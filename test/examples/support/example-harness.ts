/**
 * One seed system run end to end by the synthesized function: `cdk synth` of the example app pointed
 * at the system's migrations folder (context `migrationsDirectory`), a fresh database loaded with the
 * system's schema and seed, the local Data API and S3 over it, and the bundle from `cdk.out` invoked
 * as a cold start. Rollback has no function event yet, so it runs the engine's `rollback` over a
 * `DataApiDriver` to the same local Data API, with the very bundle the function was given.
 */
import { RDSDataClient } from '@aws-sdk/client-rds-data';
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { gunzipSync } from 'node:zlib';
import type { MigrateActionReport } from '../../../lambda/actions/migrate-action';
import type { StatusActionReport } from '../../../lambda/actions/status-action';
import { DataApiDriver } from '../../../lambda/driver/data-api/data-api-driver';
import { rollback, type RollbackReport } from '../../../lambda/engine/commands/rollback';
import { BUNDLE_FILE_NAME, type MigrationBundle } from '../../../lambda/migrations/bundle';
import { loadBundle } from '../../../lambda/migrations/load-bundle';
import { readManifest } from '../../../lambda/snapshot';
import type { SnapshotManifest } from '../../../lambda/snapshot/manifest';
import type { VerificationReport } from '../../../lambda/verify/report';
import { startLocalAws, type LocalAws } from '../../../local/environment/local-aws';
import { loadSynthesizedFunction, synth, type SynthesizedFunction } from '../../../local/lambda';
import { createTestDatabase, type TestDatabase } from '../../support/database';

/** The snapshot prefix the harness gives the function (`RDS_MIGRATE_SNAPSHOT_PREFIX`). */
const SNAPSHOT_PREFIX = 'snapshots/';

export interface ExampleHarnessOptions {
  /** Database name prefix, e.g. `sims`. */
  readonly name: string;
  /** Absolute path of the example's migrations folder (passed to `cdk synth` as context). */
  readonly migrationsDir: string;
  /** Loads the example's schema and seed into the empty database at the URL. */
  readonly load: (databaseUrl: string) => Promise<void>;
}

export interface ExampleHarness {
  readonly db: TestDatabase;
  readonly aws: LocalAws;
  readonly fn: SynthesizedFunction;
  /** The compiled bundle inside the function's asset (`migrations.json`), as the function loads it. */
  readonly bundle: MigrationBundle;
  /** The engine's driver over the local Data API, for rollback. */
  readonly driver: DataApiDriver;
  /**
   * Invokes the bundled function with an event.
   * @throws Error with the function's errorType and errorMessage when it failed
   */
  invoke<T>(event: unknown): Promise<T>;
  /** `{"action":"migrate"}` through the function. */
  migrate(): Promise<MigrateActionReport>;
  /** `{"action":"verify"}` through the function. */
  verify(): Promise<{ action: 'verify'; verification: VerificationReport }>;
  /** `{"action":"status"}` through the function. */
  status(): Promise<StatusActionReport>;
  /** The engine's rollback over the Data API down to `targetVersion` (`0` reverts everything). */
  rollback(targetVersion: string): Promise<RollbackReport>;
  /** Reads and validates a snapshot's manifest from the local S3. */
  readManifest(snapshotId: string): Promise<SnapshotManifest>;
  /** Reads a snapshot table object (gzip'd JSON lines) back into rows. */
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
  let client: RDSDataClient | undefined;
  try {
    await options.load(db.url);
    aws = await startLocalAws({ databaseUrl: db.url, snapshotPrefix: SNAPSHOT_PREFIX });
    await synth({ outdir: cdkOut, context: { migrationsDirectory: options.migrationsDir } });
    const fn = await loadSynthesizedFunction({ cdkOut, synth: 'never', environment: aws.functionEnvironment() });
    const bundle = loadBundle(JSON.parse(await readFile(path.join(fn.assetDir, BUNDLE_FILE_NAME), 'utf8')), BUNDLE_FILE_NAME);
    client = new RDSDataClient({ ...aws.dataApi.clientConfig(), maxAttempts: 1 });
    const driver = new DataApiDriver({ resourceArn: aws.dataApi.resourceArn, secretArn: aws.dataApi.secretArn, database: db.name, client });
    const localAws = aws;
    const rdsData = client;
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
      driver,
      invoke,
      migrate: () => invoke<MigrateActionReport>({ action: 'migrate' }),
      verify: () => invoke({ action: 'verify' }),
      status: () => invoke<StatusActionReport>({ action: 'status' }),
      rollback: (targetVersion) => rollback(driver, bundle, { targetVersion, appliedBy: 'oncall@example' }),
      readManifest: (snapshotId) =>
        readManifest({ s3, bucket: localAws.bucket, prefix: SNAPSHOT_PREFIX, database: db.name, snapshotId }),
      async readTableRows(key) {
        const object = await s3.send(new GetObjectCommand({ Bucket: localAws.bucket, Key: key }));
        const text = gunzipSync(Buffer.from(await object.Body!.transformToByteArray())).toString('utf8');
        return text.split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as Record<string, unknown>);
      },
      async close() {
        await driver.close();
        rdsData.destroy();
        await localAws.close();
        await db.drop();
        await rm(cdkOut, { recursive: true, force: true });
      },
    };
  } catch (error) {
    client?.destroy();
    await aws?.close();
    await db.drop();
    await rm(cdkOut, { recursive: true, force: true });
    throw error;
  }
}
