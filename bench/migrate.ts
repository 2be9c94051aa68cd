/**
 * Benchmark: migrate a generated set of 300+ migrations through the local Data API, against the same
 * files applied by one psql session (each file in its own transaction) as the floor.
 *
 *   npm run bench:migrate                       (= tsx bench/migrate.ts)
 *   npx tsx bench/migrate.ts [migrations] [runs] (defaults 320 and 3)
 *
 * Each run: two fresh databases on one PostgreSQL server (embedded, or DATABASE_URL); rds-migrate's
 * migrate over DataApiDriver → the real SDK client → the local Data API (`local/data-api`) on the
 * first, psql on the second; both schemas are then compared (tables, indexes, constraints, rows).
 * Prints the median of the runs: migrations, statements, wall ms of each, the ratio (target: at most
 * 2), Data API calls and calls per migration. Exits 1 when the schemas differ or the ratio is above 2.
 */
import { RDSDataClient } from '@aws-sdk/client-rds-data';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { DataApiDriver } from '../lambda/driver/data-api/data-api-driver';
import { migrate } from '../lambda/engine/commands/migrate';
import { compileMigrations } from '../lambda/migrations/compile';
import { startLocalDataApi } from '../local/data-api/server';
import { startPostgres, type PostgresServer } from '../local/postgres/embedded-postgres';
import { generateMigrations } from './migrate/generate';
import { applyWithPsql } from './migrate/psql-floor';
import { schemaSummary } from './migrate/schema-summary';

/** The target: our wall time at most this many times psql's. */
const TARGET_RATIO = 2;

interface RunResult {
  readonly oursMs: number;
  readonly psqlMs: number;
  readonly calls: number;
  readonly byOperation: Record<string, number>;
}

async function createDatabase(server: PostgresServer, name: string): Promise<string> {
  const admin = new pg.Client({ connectionString: server.adminUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  return server.urlFor(name);
}

async function dropDatabase(server: PostgresServer, name: string): Promise<void> {
  const admin = new pg.Client({ connectionString: server.adminUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

async function oneRun(server: PostgresServer, run: number, dir: string, files: Parameters<typeof applyWithPsql>[1]): Promise<RunResult> {
  const oursDb = `bench_migrate_ours_${process.pid}_${run}`;
  const psqlDb = `bench_migrate_psql_${process.pid}_${run}`;
  const oursUrl = await createDatabase(server, oursDb);
  const psqlUrl = await createDatabase(server, psqlDb);
  const api = await startLocalDataApi({ postgresUrl: oursUrl });
  const client = new RDSDataClient({ ...api.clientConfig(), maxAttempts: 1 });
  const driver = new DataApiDriver({ resourceArn: api.resourceArn, secretArn: api.secretArn, database: oursDb, client });
  try {
    const bundle = await compileMigrations(dir);
    // Warm up the client and the server's connection pool as a deployed function would be.
    await driver.execute('SELECT 1');
    api.resetCounters();
    const started = performance.now();
    const report = await migrate(driver, bundle, { appliedBy: 'bench' });
    const oursMs = performance.now() - started;
    const counters = api.counters;
    if (report.applied.length !== bundle.migrations.length) {
      throw new Error(`migrate applied ${report.applied.length} of ${bundle.migrations.length} migrations`);
    }
    const psqlMs = await applyWithPsql(psqlUrl, files, dir);
    const [ours, floor] = await Promise.all([schemaSummary(oursUrl), schemaSummary(psqlUrl)]);
    if (JSON.stringify(ours) !== JSON.stringify(floor)) {
      throw new Error(`the two databases differ:\nrds-migrate ${JSON.stringify(ours)}\npsql        ${JSON.stringify(floor)}`);
    }
    const byOperation = Object.fromEntries(Object.entries(counters.byOperation).map(([op, c]) => [op, c.calls]));
    return { oursMs, psqlMs, calls: counters.calls, byOperation };
  } finally {
    await driver.close();
    client.destroy();
    await api.close();
    await dropDatabase(server, oursDb);
    await dropDatabase(server, psqlDb);
  }
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? 320);
  const runs = Number(process.argv[3] ?? 3);
  if (!Number.isInteger(count) || count < 300) throw new Error(`migrations must be a whole number >= 300, got ${process.argv[2]}`);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`runs must be a whole number >= 1, got ${process.argv[3]}`);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'rds-migrate-bench-'));
  const server = await startPostgres();
  try {
    const set = await generateMigrations(path.join(dir, 'migrations'), count);
    const results: RunResult[] = [];
    for (let run = 1; run <= runs; run++) results.push(await oneRun(server, run, set.dir, set.files));
    const oursMs = median(results.map((r) => r.oursMs));
    const psqlMs = median(results.map((r) => r.psqlMs));
    const ratio = oursMs / psqlMs;
    const calls = results[0]!.calls;
    console.log(`migrate over the local Data API vs one psql session, median of ${runs} run(s)`);
    console.table([
      {
        migrations: set.files.length,
        statements: set.statements,
        'rds-migrate ms': Math.round(oursMs),
        'psql ms': Math.round(psqlMs),
        ratio: Math.round(ratio * 100) / 100,
        'Data API calls': calls,
        'calls per migration': Math.round((calls / set.files.length) * 100) / 100,
      },
    ]);
    console.log('Data API calls by operation:', results[0]!.byOperation);
    console.log('runs (ms, ours / psql):', results.map((r) => `${Math.round(r.oursMs)} / ${Math.round(r.psqlMs)}`).join(', '));
    if (ratio > TARGET_RATIO) {
      console.error(`ratio ${ratio.toFixed(2)} is above the target ${TARGET_RATIO}`);
      process.exitCode = 1;
    }
  } finally {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
