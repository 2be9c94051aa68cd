/**
 * Our side of the snapshot benchmark, run in a process of its own so that its peak RSS is ours alone
 * (the local Data API and S3 run elsewhere, as the real services do): takes a snapshot, or restores
 * one in place, through DataApiDriver → the real SDK client → the local Data API, into or from the
 * local S3. Reads its task from the `BENCH_TASK` environment variable (JSON, see {@link OurTask}) and
 * prints one JSON line (see {@link OurResult}).
 */
import { RDSDataClient } from '@aws-sdk/client-rds-data';
import { DataApiDriver } from '../../lambda/driver/data-api/data-api-driver';
import { restoreSnapshot } from '../../lambda/snapshot/restore/restore-snapshot';
import { takeSnapshot } from '../../lambda/snapshot/take-snapshot';
import { localS3Client } from '../../local/s3/local-s3-client';

export interface OurTask {
  readonly mode: 'snapshot' | 'restore';
  readonly dataApi: { readonly endpoint: string; readonly resourceArn: string; readonly secretArn: string };
  readonly database: string;
  readonly s3Endpoint: string;
  readonly bucket: string;
  /** The snapshot to restore (restore), or to write (snapshot). */
  readonly snapshotId: string;
}

export interface OurResult {
  /** Wall time of the snapshot or restore itself, ms. */
  readonly ms: number;
  /** Peak resident set of this process, bytes (`process.resourceUsage().maxRSS`). */
  readonly maxRssBytes: number;
  /** User plus system CPU time of this process during the operation, ms. */
  readonly cpuMs: number;
  /** Data API calls, by operation (counted at the client: one HTTP request per send, retries off). */
  readonly calls: Record<string, number>;
  /** Uncompressed lines (the snapshot's line format), bytes. */
  readonly bytes: number;
  /** gzip objects, bytes. */
  readonly compressedBytes: number;
  readonly rows: number;
}

async function main(): Promise<void> {
  const task = JSON.parse(process.env.BENCH_TASK ?? '') as OurTask;
  const client = new RDSDataClient({
    endpoint: task.dataApi.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  const calls: Record<string, number> = {};
  client.middlewareStack.add(
    (next, context) => async (args) => {
      calls[context.commandName ?? 'unknown'] = (calls[context.commandName ?? 'unknown'] ?? 0) + 1;
      return next(args);
    },
    { step: 'initialize', name: 'benchCallCounter' },
  );
  const driver = new DataApiDriver({ resourceArn: task.dataApi.resourceArn, secretArn: task.dataApi.secretArn, database: task.database, client });
  const s3 = localS3Client(task.s3Endpoint);
  const location = { s3, bucket: task.bucket, prefix: 'bench/' };
  const started = process.hrtime.bigint();
  const cpuBefore = process.cpuUsage();
  let result: Omit<OurResult, 'ms' | 'maxRssBytes' | 'calls' | 'cpuMs'>;
  if (task.mode === 'snapshot') {
    const snapshot = await takeSnapshot({ ...location, driver, snapshotId: task.snapshotId, schemaVersion: null });
    result = {
      bytes: snapshot.tables.reduce((sum, t) => sum + t.bytes, 0),
      compressedBytes: snapshot.tables.reduce((sum, t) => sum + t.compressedBytes, 0),
      rows: snapshot.totalRows,
    };
  } else {
    const restored = await restoreSnapshot({ ...location, driver, snapshotId: task.snapshotId, confirm: task.snapshotId });
    result = { bytes: 0, compressedBytes: 0, rows: restored.totalRows };
  }
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const cpu = process.cpuUsage(cpuBefore);
  await driver.close();
  client.destroy();
  s3.destroy();
  const output: OurResult = { ms, maxRssBytes: process.resourceUsage().maxRSS * 1024, cpuMs: (cpu.user + cpu.system) / 1000, calls, ...result };
  process.stdout.write(`${JSON.stringify(output)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error)?.stack ?? String(error)}\n`);
  process.exit(1);
});
