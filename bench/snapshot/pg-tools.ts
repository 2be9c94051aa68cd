import { spawn } from 'node:child_process';

/**
 * Runs a PostgreSQL client tool (`pg_dump`, `pg_restore`) and measures its wall time.
 * @returns wall time, ms
 * @throws {Error} with the tool's stderr when it exits with a non-zero status
 */
export function timeTool(tool: string, args: readonly string[]): Promise<number> {
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const child = spawn(tool, [...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) reject(new Error(`${tool} ${args.join(' ')} exited with ${code}: ${stderr.trim()}`));
      else resolve(Number(process.hrtime.bigint() - started) / 1e6);
    });
  });
}

/** The major version `tool --version` reports, e.g. 15. */
export function toolMajorVersion(tool: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(tool, ['--version'], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('exit', () => {
      const match = /(\d+)(\.\d+)?/.exec(out);
      if (match) resolve(Number(match[1]));
      else reject(new Error(`${tool} --version printed ${JSON.stringify(out)}`));
    });
  });
}
