/**
 * Benchmark: our snapshot and restore of a 1-million-row mixed-type table (about 210 MB in
 * PostgreSQL) against pg_dump and pg_restore, side by side on the same server in the same run.
 *
 *   npm run bench:snapshot                        (= tsx bench/snapshot.ts)
 *   npx tsx bench/snapshot.ts [rows]              (default 1,000,000)
 *   DATABASE_URL=postgres://user@host:port/db npx tsx bench/snapshot.ts
 *   BENCH_OUR_NODE_ARGS="--cpu-prof --cpu-prof-dir=prof" npm run bench:snapshot   (profiles our side)
 *   BENCH_DATA_API_NODE_ARGS="--cpu-prof --cpu-prof-dir=prof" npm run bench:snapshot   (profiles the local Data API)
 *
 * On the server of DATABASE_URL (default `postgres://postgres@127.0.0.1:5432/postgres`; its major version
 * must match the installed pg_dump's) it creates its own databases, generates the table server side
 * (`generate_series`), then measures:
 * - `pg_dump -Fc -Z1 -t bench_rows` against our snapshot (DataApiDriver → the real SDK client → the
 *   local Data API in a process of its own → PostgreSQL; gzip'd record lines (ROW(...)::text) into the local S3);
 * - `pg_restore` into an empty database against our restore in place (truncate, reload through the
 *   Data API in one transaction, verify every row, reset sequences);
 * - our peak RSS (our side is bundled with esbuild as the function is, and runs in a child process:
 *   `process.resourceUsage().maxRSS`);
 * - Data API calls per MiB of lines exported (counted at our client);
 * - CPU time of every process of each side: ours, the local Data API's, the local S3's (this process),
 *   pg_dump's and pg_restore's, and the PostgreSQL server's when it runs on this machine
 *   (`support/process-cpu.ts`): on a machine with few cores, wall time follows their sum, and the least wall
 *   time that sum allows on the machine's cores is printed as a ratio to the reference's (its floor).
 * Prints the figures with their targets (wall time at most 2x pg_dump's / pg_restore's, peak RSS at
 * most 256 MiB, at most one call per MiB) and the machine's load; exits 1 when a target is missed or
 * the restored rows differ from pg_restore's.
 */
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { newSnapshotId } from '../lambda/snapshot/snapshot-id';
import { localS3Client, startLocalS3 } from '../local/s3/local-s3';
import { databaseUrl, recreateDatabase } from './support/bench-database';
import { startDataApiProcess } from './support/data-api-process';
import { postgresCpuReader, sessionsEnded, waitedChildrenCpuMs } from './support/process-cpu';
import { BENCH_TABLE, generateTable, tableFingerprint } from './snapshot/generate';
import { timeTool, toolMajorVersion } from './snapshot/pg-tools';
import { formatFigures, mib, seconds, type Figure } from './snapshot/report';
import { bundleOurSide, runOurSide } from './snapshot/run-our-side';

const SOURCE_DB = 'rds_migrate_bench_snapshot';
const PG_RESTORE_DB = 'rds_migrate_bench_pg_restore';
const MAX_RATIO = 2;
const MAX_RSS = 256 * 1024 * 1024;

async function serverMajorVersion(adminUrl: string): Promise<number> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    const { rows } = await admin.query(`SELECT current_setting('server_version_num')::int / 10000 AS major`);
    return Number(rows[0].major);
  } finally {
    await admin.end();
  }
}

const load = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');

async function main(): Promise<void> {
  const rows = Number(process.argv[2] ?? 1_000_000);
  if (!Number.isInteger(rows) || rows < 1) throw new Error(`rows: ${process.argv[2]} must be a whole number of at least 1`);
  const adminUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const [server, dumpVersion] = await Promise.all([serverMajorVersion(adminUrl), toolMajorVersion('pg_dump')]);
  if (server !== dumpVersion) throw new Error(`the server is PostgreSQL ${server}, pg_dump is ${dumpVersion}: point DATABASE_URL at a server of pg_dump's version`);
  const sourceUrl = databaseUrl(adminUrl, SOURCE_DB);
  const restoreUrl = databaseUrl(adminUrl, PG_RESTORE_DB);
  const work = await mkdtemp(path.join(os.tmpdir(), 'rds-migrate-bench-snapshot-'));
  const loadBefore = load();
  console.log(`PostgreSQL ${server} at ${new URL(adminUrl).host}; ${os.cpus().length} cores; load average ${loadBefore}`);

  await recreateDatabase(adminUrl, SOURCE_DB);
  let started = Date.now();
  const tableBytes = await generateTable(sourceUrl, rows);
  console.log(`generated ${rows} rows in ${seconds(Date.now() - started)}: ${mib(tableBytes)} (pg_table_size)`);

  const s3Server = await startLocalS3({ directory: path.join(work, 's3') });
  const dataApi = await startDataApiProcess(sourceUrl);
  try {
    const s3 = localS3Client(s3Server.endpoint);
    await s3.send(new CreateBucketCommand({ Bucket: 'bench' }));
    s3.destroy();
    const task = { dataApi, database: SOURCE_DB, s3Endpoint: s3Server.endpoint, bucket: 'bench', snapshotId: newSnapshotId() };
    const ourBundle = await bundleOurSide(work);

    const postgresCpu = await postgresCpuReader(adminUrl);
    const serverCpu = async () => (postgresCpu ? await postgresCpu() : Number.NaN);
    const dumpFile = path.join(work, 'bench.dump');
    const beforeDump = { tool: await waitedChildrenCpuMs(), server: await serverCpu() };
    const dumpMs = await timeTool('pg_dump', ['-Fc', '-Z1', '-t', `public.${BENCH_TABLE}`, '-f', dumpFile, '-d', sourceUrl]);
    await sessionsEnded(adminUrl, 'pg_dump');
    const dumpCpu = { tool: (await waitedChildrenCpuMs()) - beforeDump.tool, server: (await serverCpu()) - beforeDump.server };
    const dumpBytes = (await stat(dumpFile)).size;
    console.log(`pg_dump -Fc -Z1: ${seconds(dumpMs)}, ${mib(dumpBytes)}`);

    const cpu = async () => ({ dataApi: await dataApi.cpuMs(), s3: process.cpuUsage().user / 1000 + process.cpuUsage().system / 1000, server: await serverCpu() });
    const beforeSnapshot = await cpu();
    const snapshot = await runOurSide(ourBundle, { ...task, mode: 'snapshot' });
    const afterSnapshot = await cpu();
    const snapshotCalls = Object.values(snapshot.calls).reduce((a, b) => a + b, 0);
    console.log(`our snapshot: ${seconds(snapshot.ms)}, ${mib(snapshot.bytes)} of record lines, ${mib(snapshot.compressedBytes)} gzip, ${snapshotCalls} Data API calls`);

    await recreateDatabase(adminUrl, PG_RESTORE_DB);
    const beforePgRestore = { tool: await waitedChildrenCpuMs(), server: await serverCpu() };
    const pgRestoreMs = await timeTool('pg_restore', ['-d', restoreUrl, dumpFile]);
    await sessionsEnded(adminUrl, 'pg_restore');
    const pgRestoreCpu = { tool: (await waitedChildrenCpuMs()) - beforePgRestore.tool, server: (await serverCpu()) - beforePgRestore.server };
    console.log(`pg_restore: ${seconds(pgRestoreMs)}`);

    const beforeRestore = await cpu();
    const restore = await runOurSide(ourBundle, { ...task, mode: 'restore' });
    const afterRestore = await cpu();
    const restoreCalls = Object.values(restore.calls).reduce((a, b) => a + b, 0);
    console.log(`our restore: ${seconds(restore.ms)}, ${restore.rows} rows verified, ${restoreCalls} Data API calls`);

    const [ours, theirs] = await Promise.all([tableFingerprint(sourceUrl), tableFingerprint(restoreUrl)]);
    const same = ours === theirs;
    console.log(`restored rows ${same ? 'equal' : 'DIFFER from'} pg_restore's (count and hash sum: ${ours})`);

    const perMiB = snapshotCalls / (snapshot.bytes / 1024 / 1024);
    const figures: Figure[] = [
      {
        what: 'snapshot wall time', ours: seconds(snapshot.ms), reference: `pg_dump -Fc -Z1 ${seconds(dumpMs)}`,
        measured: `${(snapshot.ms / dumpMs).toFixed(2)}x`, target: `<= ${MAX_RATIO}x`, pass: snapshot.ms <= MAX_RATIO * dumpMs,
      },
      {
        what: 'restore wall time', ours: seconds(restore.ms), reference: `pg_restore ${seconds(pgRestoreMs)}`,
        measured: `${(restore.ms / pgRestoreMs).toFixed(2)}x`, target: `<= ${MAX_RATIO}x`, pass: restore.ms <= MAX_RATIO * pgRestoreMs,
      },
      { what: 'snapshot peak RSS', ours: mib(snapshot.maxRssBytes), reference: '', measured: mib(snapshot.maxRssBytes), target: '<= 256 MiB', pass: snapshot.maxRssBytes <= MAX_RSS },
      { what: 'restore peak RSS', ours: mib(restore.maxRssBytes), reference: '', measured: mib(restore.maxRssBytes), target: '<= 256 MiB', pass: restore.maxRssBytes <= MAX_RSS },
      {
        what: 'snapshot Data API calls', ours: `${snapshotCalls} for ${mib(snapshot.bytes)}`, reference: '', measured: `${perMiB.toFixed(2)} per MiB`,
        target: '<= 1 per MiB', pass: perMiB <= 1,
      },
      {
        what: 'restore Data API calls', ours: `${restoreCalls}`, reference: '', measured: `${(restoreCalls / (snapshot.bytes / 1024 / 1024)).toFixed(2)} per MiB`,
        target: '(reported)', pass: true,
      },
      { what: 'restored rows', ours: ours.split(':')[0]!, reference: `pg_restore ${theirs.split(':')[0]}`, measured: same ? 'equal' : 'differ', target: 'equal', pass: same },
    ];
    console.log(`\n${formatFigures(figures)}\n`);
    type Cpu = Awaited<ReturnType<typeof cpu>>;
    const server = (ms: number) => (Number.isNaN(ms) ? 'PostgreSQL not measured (not on this machine)' : `PostgreSQL ${seconds(ms)}`);
    const total = (...ms: number[]) => (ms.some(Number.isNaN) ? '' : `; total ${seconds(ms.reduce((a, b) => a + b, 0))}`);
    const cores = os.cpus().length;
    /**
     * The least wall time the CPU time of every process allows on this machine's cores (all of them busy all
     * the time), as a ratio to the reference's wall time: a side whose floor is above the target cannot meet
     * it here, however well its processes overlap.
     */
    const floor = (cpuMs: number, referenceMs: number) =>
      Number.isNaN(cpuMs) ? '' : `; on ${cores} cores at least ${seconds(cpuMs / cores)} of wall time, ${(cpuMs / cores / referenceMs).toFixed(2)}x`;
    const cpuLine = (what: string, ours: number, before: Cpu, after: Cpu, referenceMs: number) => {
      const [api, s3, pgServer] = [after.dataApi - before.dataApi, after.s3 - before.s3, after.server - before.server];
      return (
        `${what}: our process ${seconds(ours)}, local Data API ${seconds(api)}, local S3 and this process ${seconds(s3)}, ${server(pgServer)}` +
        `${total(ours, api, s3, pgServer)}${floor(ours + api + s3 + pgServer, referenceMs)}`
      );
    };
    const toolLine = (tool: string, used: { tool: number; server: number }) => `${tool}: ${tool} ${seconds(used.tool)}, ${server(used.server)}${total(used.tool, used.server)}`;
    console.log(`CPU time, ${toolLine('pg_dump', dumpCpu)}`);
    console.log(`CPU time, ${cpuLine('snapshot', snapshot.cpuMs, beforeSnapshot, afterSnapshot, dumpMs)}`);
    console.log(`CPU time, ${toolLine('pg_restore', pgRestoreCpu)}`);
    console.log(`CPU time, ${cpuLine('restore', restore.cpuMs, beforeRestore, afterRestore, pgRestoreMs)}`);
    console.log(`load average before ${loadBefore}, after ${load()} (1, 5, 15 min) on ${os.cpus().length} cores`);
    if (figures.some((f) => !f.pass)) process.exitCode = 1;
  } finally {
    await dataApi.stop();
    await s3Server.close();
    await recreateDatabase(adminUrl, PG_RESTORE_DB, true);
    await recreateDatabase(adminUrl, SOURCE_DB, true);
    await rm(work, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error((error as Error)?.stack ?? String(error));
  process.exit(1);
});
