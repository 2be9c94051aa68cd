/**
 * The local Data API in a process of its own (`local/data-api/main.ts`), as the real service runs apart
 * from the function, with its CPU time readable (`/proc/<pid>/stat`), so that the benchmark can say where
 * the time went.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';

export interface DataApiProcess {
  readonly endpoint: string;
  readonly resourceArn: string;
  readonly secretArn: string;
  /** User plus system CPU time of the process so far, ms (Linux `/proc`; 0 elsewhere). */
  cpuMs(): Promise<number>;
  stop(): Promise<void>;
}

const MAIN = path.join(import.meta.dirname, '../../local/data-api/main.ts');

/** User plus system CPU time of process `pid`, ms, from `/proc/<pid>/stat` (clock ticks of 10 ms); 0 when unreadable. */
export async function processCpuMs(pid: number | undefined): Promise<number> {
  if (pid === undefined) return 0;
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  // Fields after the command name (which may hold spaces) start at state: utime is the 12th, stime the 13th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11] ?? 0) + Number(fields[12] ?? 0)) * 10;
}

/**
 * Starts `tsx local/data-api/main.ts --postgres-url <url> --port 0` and waits for its banner.
 * @throws {Error} with its output when it exits or prints no endpoint within 30 s
 */
export function startDataApiProcess(postgresUrl: string): Promise<DataApiProcess> {
  // BENCH_DATA_API_NODE_ARGS: extra node options for the local Data API, e.g. `--cpu-prof --cpu-prof-dir=prof`.
  const extra = process.env.BENCH_DATA_API_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const child: ChildProcess = spawn(process.execPath, [...extra, '--import', 'tsx', MAIN, '--postgres-url', postgresUrl, '--port', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`the local Data API did not start within 30 s:\n${output}`)), 30_000);
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(error);
    };
    child.on('exit', (code) => fail(new Error(`the local Data API exited with ${code}:\n${output}`)));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const endpoint = /listening on (\S+)/.exec(output)?.[1];
      const resourceArn = /resourceArn\s+(\S+)/.exec(output)?.[1];
      const secretArn = /secretArn\s+(\S+)/.exec(output)?.[1];
      if (!endpoint || !resourceArn || !secretArn) return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      resolve({
        endpoint,
        resourceArn,
        secretArn,
        cpuMs: () => processCpuMs(child.pid),
        stop: () =>
          new Promise<void>((done) => {
            child.once('exit', () => done());
            child.kill('SIGTERM');
          }),
      });
    });
  });
}
