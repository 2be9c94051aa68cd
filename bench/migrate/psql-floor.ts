/**
 * The floor the benchmark compares with: the same up files applied by one `psql` session, each file
 * in its own transaction (BEGIN; file; COMMIT;), stopping at the first error (ON_ERROR_STOP), without
 * reading `~/.psqlrc` (-X), quietly (-q).
 */
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';

/** Where psql is installed on the benchmark machine. */
export const PSQL = process.env.PSQL ?? '/usr/bin/psql';

/** Printed by the script once the last file committed: the end of the measured time. */
const DONE = 'RDS_BENCH_PSQL_DONE';

export interface PsqlRun {
  /** Wall time from starting psql until the last file committed, ms (process start and connection included). */
  readonly ms: number;
  /**
   * User plus system CPU time of psql's backend, ms (ticks of 10 ms), read by the script from
   * `/proc/<backend pid>/stat` after the measured time; undefined when unreadable (a server on
   * another machine).
   */
  readonly backendCpuMs: number | undefined;
}

/**
 * Writes one script wrapping every file in BEGIN/COMMIT and runs it with one psql session. The script
 * first asks for its backend's pid (one query) and, after the last COMMIT, prints a marker (the end of
 * the measured time) and the backend's `/proc` line.
 * @throws {Error} with psql's stderr when psql exits non-zero
 */
export async function applyWithPsql(url: string, files: ReadonlyArray<{ folder: string; sql: string }>, workDir: string): Promise<PsqlRun> {
  const script = [
    'SELECT pg_backend_pid() AS rds_bench_pid \\gset',
    '\\setenv RDS_BENCH_PID :rds_bench_pid',
    files.map((f) => `BEGIN;\n${f.sql}\nCOMMIT;\n`).join(''),
    `\\echo ${DONE}`,
    '\\! cat /proc/$RDS_BENCH_PID/stat 2>/dev/null',
    '',
  ].join('\n');
  const scriptPath = path.join(workDir, 'psql-floor.sql');
  await writeFile(scriptPath, script);
  const started = performance.now();
  let ms: number | undefined;
  const stdout = await new Promise<string>((resolve, reject) => {
    const child = spawn(PSQL, ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', url, '-f', scriptPath], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (ms === undefined && out.includes(DONE)) ms = performance.now() - started;
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`psql exited with ${code}: ${stderr.trim()}`))));
  });
  const stat = stdout.slice(stdout.indexOf(DONE) + DONE.length).trim();
  // Fields after the command name (which may hold spaces) start at state: utime is the 12th, stime the 13th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return { ms: ms ?? performance.now() - started, backendCpuMs: stat && Number.isFinite(ticks) ? ticks * 10 : undefined };
}
