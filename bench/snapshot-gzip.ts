/**
 * Benchmark: the CPU time and the size of gzip level 1 over the bench table's record lines, with zlib's
 * default window and memory (`windowBits` 15, `memLevel` 8) and with the table objects' settings
 * (`TABLE_OBJECT_GZIP` in `lambda/snapshot/table-object-writer.ts`), and a few neighbours. gzip is the
 * largest share of our process's CPU time in a snapshot (`bench:snapshot`).
 *
 *   npx tsx bench/snapshot-gzip.ts [rows] [runs]   (default 1,000,000 rows, 3 runs of each, interleaved)
 *
 * On the server of DATABASE_URL (default `postgres://postgres@127.0.0.1:5432/postgres`) it creates its own
 * database and table (`snapshot/generate.ts`), reads the rows as record lines (`ROW(t.*)::text`, as the
 * snapshot writes them), then compresses them in this process as a table object's stream is written
 * (`createGzip`, writes of about a page, 1.4 MB). Prints each setting's CPU time per run (the zlib thread's
 * included: `process.cpuUsage`) and the compressed size. Reports; it has no target of its own.
 */
import { once } from 'node:events';
import os from 'node:os';
import { createGzip, type ZlibOptions } from 'node:zlib';
import pg from 'pg';
import { TABLE_OBJECT_GZIP } from '../lambda/snapshot/table-object-writer';
import { databaseUrl, recreateDatabase } from './support/bench-database';
import { BENCH_TABLE, generateTable } from './snapshot/generate';

const DATABASE = 'rds_migrate_bench_gzip';
const PAGE_BYTES = 1_400_000;

const SETTINGS: Record<string, ZlibOptions> = {
  'level 1, zlib defaults (windowBits 15, memLevel 8)': { level: 1 },
  'level 1, memLevel 9': { level: 1, memLevel: 9 },
  [`table objects (windowBits ${TABLE_OBJECT_GZIP.windowBits}, memLevel ${TABLE_OBJECT_GZIP.memLevel})`]: { level: 1, ...TABLE_OBJECT_GZIP },
  'level 1, windowBits 11, memLevel 9': { level: 1, windowBits: 11, memLevel: 9 },
};

/** The table's record lines, as one buffer, read 50,000 rows at a time. */
async function recordLines(url: string, rows: number): Promise<Buffer> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const chunks: Buffer[] = [];
    for (let from = 1; from <= rows; from += 50_000) {
      const { rows: result } = await client.query(
        `SELECT string_agg(ROW(t.*)::text || E'\\n', '' ORDER BY id) AS lines FROM ${BENCH_TABLE} t WHERE id BETWEEN $1 AND $2`,
        [from, from + 49_999],
      );
      chunks.push(Buffer.from((result[0].lines as string | null) ?? '', 'utf8'));
    }
    return Buffer.concat(chunks);
  } finally {
    await client.end();
  }
}

/** Compresses `lines` as a table object's stream: CPU ms (every thread of this process) and compressed bytes. */
async function compress(lines: Buffer, options: ZlibOptions): Promise<{ cpuMs: number; bytes: number }> {
  const gzip = createGzip(options);
  let bytes = 0;
  gzip.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
  });
  const before = process.cpuUsage();
  for (let at = 0; at < lines.length; at += PAGE_BYTES) {
    if (!gzip.write(lines.subarray(at, at + PAGE_BYTES))) await once(gzip, 'drain');
  }
  gzip.end();
  await once(gzip, 'end');
  const used = process.cpuUsage(before);
  return { cpuMs: (used.user + used.system) / 1000, bytes };
}

async function main(): Promise<void> {
  const rows = Number(process.argv[2] ?? 1_000_000);
  const runs = Number(process.argv[3] ?? 3);
  const adminUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const url = databaseUrl(adminUrl, DATABASE);
  await recreateDatabase(adminUrl, DATABASE);
  try {
    await generateTable(url, rows);
    const lines = await recordLines(url, rows);
    console.log(`${rows} rows, ${(lines.length / 1024 / 1024).toFixed(1)} MiB of record lines; ${os.cpus().length} cores, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    const results = new Map<string, Array<{ cpuMs: number; bytes: number }>>();
    for (let run = 0; run < runs; run++) {
      for (const [name, options] of Object.entries(SETTINGS)) {
        const list = results.get(name) ?? [];
        list.push(await compress(lines, options));
        results.set(name, list);
      }
    }
    for (const [name, list] of results) {
      const cpu = list.map((r) => (r.cpuMs / 1000).toFixed(2)).join(', ');
      const ratio = ((100 * list[0]!.bytes) / lines.length).toFixed(2);
      console.log(`${name.padEnd(60)} CPU ${cpu} s; ${(list[0]!.bytes / 1024 / 1024).toFixed(1)} MiB (${ratio}%)`);
    }
  } finally {
    await recreateDatabase(adminUrl, DATABASE, true);
  }
}

await main();
