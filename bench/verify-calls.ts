/**
 * Benchmark: Data API calls and time of a verification over a generated schema of 1,000+ objects.
 *
 *   npx tsx bench/verify-calls.ts [tables]     (default 100 tables = 1,200 objects)
 *
 * Starts PostgreSQL (embedded, or DATABASE_URL), a fresh database, the local Data API over it; applies
 * the generated schema through the function's migrate action (which records the schema fingerprint)
 * over DataApiDriver and the real SDK client; then measures, from the local Data API's counters:
 * a verification (schema history + catalog checks; the migration has no verify script), the drift
 * comparison alone, recording a fingerprint, and collecting the live fingerprint. Times are the median
 * of 5 runs, in ms, on this machine (the local Data API adds an HTTP hop per call, as AWS does).
 */
import { RDSDataClient } from '@aws-sdk/client-rds-data';
import pg from 'pg';
import { runMigrate } from '../lambda/actions/migrate-action';
import { DataApiDriver } from '../lambda/driver/data-api/data-api-driver';
import { silentLog } from '../lambda/observability/log';
import { checkDrift } from '../lambda/verify/checks/drift';
import { collectFingerprint } from '../lambda/verify/fingerprint/collect-fingerprint';
import { recordFingerprint } from '../lambda/verify/fingerprint/record-fingerprint';
import { runVerification } from '../lambda/verify/run-verification';
import { startLocalDataApi, type LocalDataApi } from '../local/data-api/server';
import { startPostgres } from '../local/postgres/embedded-postgres';
import { largeSchemaBundle, largeSchemaObjects } from '../test/verify/support/large-schema';

const RUNS = 5;

interface Measure {
  readonly what: string;
  readonly calls: number;
  readonly responseKiB: number;
  readonly medianMs: number;
}

async function measure(api: LocalDataApi, what: string, work: () => Promise<unknown>): Promise<Measure> {
  const times: number[] = [];
  let calls = 0;
  let bytes = 0;
  for (let i = 0; i < RUNS; i++) {
    api.resetCounters();
    const started = performance.now();
    await work();
    times.push(performance.now() - started);
    calls = api.counters.calls;
    bytes = api.counters.responseBytes;
  }
  times.sort((a, b) => a - b);
  return { what, calls, responseKiB: Math.round(bytes / 102.4) / 10, medianMs: Math.round(times[Math.floor(RUNS / 2)]!) };
}

async function main(): Promise<void> {
  const tables = Number(process.argv[2] ?? 100);
  if (!Number.isInteger(tables) || tables < 2) throw new Error(`tables must be a whole number >= 2, got ${process.argv[2]}`);
  const server = await startPostgres();
  const database = `bench_verify_${process.pid}`;
  const admin = new pg.Client({ connectionString: server.adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${database}"`);
  let api: LocalDataApi | undefined;
  let client: RDSDataClient | undefined;
  let driver: DataApiDriver | undefined;
  try {
    api = await startLocalDataApi({ postgresUrl: server.urlFor(database) });
    client = new RDSDataClient({ ...api.clientConfig(), maxAttempts: 1 });
    driver = new DataApiDriver({ resourceArn: api.resourceArn, secretArn: api.secretArn, database, client });
    const bundle = largeSchemaBundle(tables);
    const migrated = await runMigrate({ driver, bundle, schemas: ['public'], appliedBy: 'bench', log: silentLog });
    if (!migrated.ok) throw new Error(`the generated schema does not verify:\n${migrated.verification.summary}`);
    const d = driver;
    const objects = Object.keys((await collectFingerprint(d)).objects).length;
    if (objects !== largeSchemaObjects(tables)) throw new Error(`expected ${largeSchemaObjects(tables)} objects, found ${objects}`);

    const results = [
      await measure(api, 'verification (history + catalog checks)', () => runVerification(d, bundle)),
      await measure(api, 'drift comparison alone', () => checkDrift(d)),
      await measure(api, 'record fingerprint', () => recordFingerprint(d, { version: '1', recordedBy: 'bench' })),
      await measure(api, 'collect live fingerprint (CLI)', () => collectFingerprint(d)),
    ];
    console.log(`Verification over the local Data API: ${tables} tables, ${objects} fingerprinted objects, median of ${RUNS} runs`);
    console.table(results.map((r) => ({ measured: r.what, 'Data API calls': r.calls, 'response KiB': r.responseKiB, 'median ms': r.medianMs })));
    console.log(`Catalog checks: ${results[0]!.calls - 1} calls (the verification's ${results[0]!.calls} minus 1 schema history read); budget 10.`);
  } finally {
    await driver?.close();
    client?.destroy();
    await api?.close();
    await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`).catch(() => undefined);
    await admin.end();
    await server.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
