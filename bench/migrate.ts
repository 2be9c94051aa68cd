/**
 * Benchmark: migrate a generated set of 300+ migrations through the local Data API, against the same
 * files applied by one psql session (each file in its own transaction) as the floor.
 *
 *   npm run bench:migrate                       (= tsx bench/migrate.ts)
 *   npx tsx bench/migrate.ts [migrations] [runs] (defaults 320 and 5)
 *   BENCH_DATA_API=process npx tsx bench/migrate.ts  (the local Data API in a process of its own)
 *   BENCH_BATCH=off npx tsx bench/migrate.ts         (one call per migration: batchMigrations false)
 *
 * Each run: two fresh databases on one PostgreSQL server (embedded, or DATABASE_URL); rds-migrate's
 * migrate over DataApiDriver → the real SDK client → the local Data API (`local/data-api`,
 * `startLocalDataApi`) on the first, psql on the second; both schemas are then compared (tables,
 * indexes, constraints, rows). The local Data API runs in the benchmark's process by default
 * (`startLocalDataApi`); `BENCH_DATA_API=process` runs it in a process of its own, as the service runs
 * apart from the function (on a busy two-core machine that costs more context switches than it saves).
 * The two sides take turns going first. Prints the median of the runs: migrations, statements, wall ms
 * of each, the ratio (target: at most 2), Data API calls and calls per migration, and the machine's
 * load average (the ratio is only meaningful on a machine not busy with other work); then the CPU
 * time of each process during each side (medians): for rds-migrate, this process (engine, SDK client,
 * and the local Data API when it runs here), the local Data API's process (BENCH_DATA_API=process) and
 * its PostgreSQL backends; for psql, its backend (psql's own CPU is not measured). PostgreSQL's CPU is
 * read from `/proc` (0 when the server is on another machine). Exits 1 when the schemas differ or the
 * ratio is above 2.
 *
 * Measured for rds-migrate: the engine's `migrate` as the function runs it on a fresh database:
 * creating the schema history, taking and releasing the lock lease, reading the history, and the
 * migrations; not the snapshot before it (`bench:snapshot`) nor the verification after it
 * (`bench:verify`). For psql: from starting the process until its last COMMIT.
 */
import { RDSDataClient } from '@aws-sdk/client-rds-data';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { DataApiDriver } from '../lambda/driver/data-api/data-api-driver';
import { migrate } from '../lambda/engine/commands/migrate';
import type { MigrationBundle } from '../lambda/migrations/bundle';
import { compileMigrations } from '../lambda/migrations/compile';
import { startLocalDataApi } from '../local/data-api/server';
import { countCalls } from './migrate/call-counter';
import { startDataApiProcess } from './support/data-api-process';
import { startPostgres, type PostgresServer } from '../local/postgres/embedded-postgres';
import { generateMigrations } from './migrate/generate';
import { applyWithPsql } from './migrate/psql-floor';
import { backendCpuMs } from './migrate/backend-cpu';
import { schemaSummary } from './migrate/schema-summary';

/** The target: our wall time at most this many times psql's. */
const TARGET_RATIO = 2;

/** BENCH_DATA_API=process: the local Data API in a process of its own instead of this one. */
const INLINE = process.env.BENCH_DATA_API !== 'process';

/** BENCH_BATCH=off: one Data API call per migration (the engine's `batchMigrations: false`). */
const BATCH = process.env.BENCH_BATCH !== 'off';

/** The local Data API's application_name on its PostgreSQL connections (`local/data-api/connections.ts`). */
const DATA_API_APPLICATION = 'rds-migrate-local-data-api';

interface RunResult {
  readonly oursMs: number;
  readonly psqlMs: number;
  /** CPU ms during our side: this process, the Data API's process (0 inline), our PostgreSQL backends. */
  readonly oursCpu: { readonly bench: number; readonly dataApi: number; readonly postgres: number };
  /** CPU ms of psql's backend (undefined when unreadable). */
  readonly psqlBackendCpu: number | undefined;
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

async function oneRun(server: PostgresServer, run: number, bundle: MigrationBundle, files: Parameters<typeof applyWithPsql>[1], workDir: string): Promise<RunResult> {
  const oursDb = `bench_migrate_ours_${process.pid}_${run}`;
  const psqlDb = `bench_migrate_psql_${process.pid}_${run}`;
  const oursUrl = await createDatabase(server, oursDb);
  const psqlUrl = await createDatabase(server, psqlDb);
  const api = INLINE ? await startLocalDataApi({ postgresUrl: oursUrl }) : await startDataApiProcess(oursUrl);
  const endpoint = 'clientConfig' in api ? api.clientConfig().endpoint : api.endpoint;
  const client = new RDSDataClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 1 });
  const calls = countCalls(client);
  const driver = new DataApiDriver({ resourceArn: api.resourceArn, secretArn: api.secretArn, database: oursDb, client });
  try {
    // Warm up the client and the server's connection pool as a deployed function would be.
    await Promise.all([driver.execute('SELECT 1'), driver.execute('SELECT 1')]);
    calls.reset();
    let oursCpu: RunResult['oursCpu'] = { bench: 0, dataApi: 0, postgres: 0 };
    const runOurs = async (): Promise<number> => {
      const cpu = { bench: process.cpuUsage(), dataApi: 'cpuMs' in api ? await api.cpuMs() : 0, postgres: await backendCpuMs(server.adminUrl, oursDb, DATA_API_APPLICATION) };
      const started = performance.now();
      const report = await migrate(driver, bundle, { appliedBy: 'bench', batchMigrations: BATCH });
      const ms = performance.now() - started;
      const bench = process.cpuUsage(cpu.bench);
      oursCpu = {
        bench: (bench.user + bench.system) / 1000,
        dataApi: ('cpuMs' in api ? await api.cpuMs() : 0) - cpu.dataApi,
        postgres: (await backendCpuMs(server.adminUrl, oursDb, DATA_API_APPLICATION)) - cpu.postgres,
      };
      if (report.applied.length !== bundle.migrations.length) {
        throw new Error(`migrate applied ${report.applied.length} of ${bundle.migrations.length} migrations`);
      }
      return ms;
    };
    // Alternate which goes first, so that a drift in the machine's load does not favour one side.
    let oursMs: number;
    let psqlRun: Awaited<ReturnType<typeof applyWithPsql>>;
    if (run % 2 === 1) {
      oursMs = await runOurs();
      psqlRun = await applyWithPsql(psqlUrl, files, workDir);
    } else {
      psqlRun = await applyWithPsql(psqlUrl, files, workDir);
      oursMs = await runOurs();
    }
    const psqlMs = psqlRun.ms;
    const [ours, floor] = await Promise.all([schemaSummary(oursUrl), schemaSummary(psqlUrl)]);
    if (JSON.stringify(ours) !== JSON.stringify(floor)) {
      throw new Error(`the two databases differ:\nrds-migrate ${JSON.stringify(ours)}\npsql        ${JSON.stringify(floor)}`);
    }
    return { oursMs, psqlMs, oursCpu, psqlBackendCpu: psqlRun.backendCpuMs, calls: calls.total(), byOperation: { ...calls.byOperation } };
  } finally {
    await driver.close();
    client.destroy();
    await ('close' in api ? api.close() : api.stop());
    await dropDatabase(server, oursDb);
    await dropDatabase(server, psqlDb);
  }
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? 320);
  const runs = Number(process.argv[3] ?? 5);
  if (!Number.isInteger(count) || count < 300) throw new Error(`migrations must be a whole number >= 300, got ${process.argv[2]}`);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`runs must be a whole number >= 1, got ${process.argv[3]}`);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'rds-migrate-bench-'));
  const server = await startPostgres();
  try {
    const set = await generateMigrations(path.join(dir, 'migrations'), count);
    const bundle = await compileMigrations(set.dir);
    const results: RunResult[] = [];
    for (let run = 1; run <= runs; run++) results.push(await oneRun(server, run, bundle, set.files, dir));
    const oursMs = median(results.map((r) => r.oursMs));
    const psqlMs = median(results.map((r) => r.psqlMs));
    const ratio = oursMs / psqlMs;
    const calls = results[0]!.calls;
    console.log(
      `migrate over the local Data API (${INLINE ? 'in this process' : 'its own process'}, ${BATCH ? 'consecutive migrations batched' : 'one call per migration'}) vs one psql session, median of ${runs} run(s)`,
    );
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
    const psqlCpu = results.map((r) => r.psqlBackendCpu).filter((v): v is number => v !== undefined);
    console.log('CPU ms during each side (medians):');
    console.table([
      {
        side: 'rds-migrate',
        'this process (engine, SDK, inline Data API)': Math.round(median(results.map((r) => r.oursCpu.bench))),
        'Data API process': INLINE ? '-' : Math.round(median(results.map((r) => r.oursCpu.dataApi))),
        'PostgreSQL backends': Math.round(median(results.map((r) => r.oursCpu.postgres))),
      },
      { side: 'psql', 'this process (engine, SDK, inline Data API)': '-', 'Data API process': '-', 'PostgreSQL backends': psqlCpu.length > 0 ? Math.round(median(psqlCpu)) : 'n/a' },
    ]);
    console.log('runs (ms, ours / psql):', results.map((r) => `${Math.round(r.oursMs)} / ${Math.round(r.psqlMs)}`).join(', '));
    console.log(`load average (1, 5, 15 min) at the end: ${os.loadavg().map((l) => l.toFixed(2)).join(', ')} on ${os.cpus().length} CPU(s)`);
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
