/**
 * The floor the benchmark compares with: the same up files applied by one `psql` session, each file
 * in its own transaction (BEGIN; file; COMMIT;), stopping at the first error (ON_ERROR_STOP).
 */
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';

/** Where psql is installed on the benchmark machine. */
export const PSQL = process.env.PSQL ?? '/usr/bin/psql';

/**
 * Writes one script wrapping every file in BEGIN/COMMIT and runs it with one psql session.
 * @returns the wall time of the psql process, ms (process start included)
 * @throws {Error} with psql's stderr when psql exits non-zero
 */
export async function applyWithPsql(url: string, files: ReadonlyArray<{ folder: string; sql: string }>, workDir: string): Promise<number> {
  const script = files.map((f) => `\\echo ${f.folder}\nBEGIN;\n${f.sql}\nCOMMIT;\n`).join('');
  const scriptPath = path.join(workDir, 'psql-floor.sql');
  await writeFile(scriptPath, script);
  const started = performance.now();
  await new Promise<void>((resolve, reject) => {
    const child = spawn(PSQL, ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', url, '-f', scriptPath], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`psql exited with ${code}: ${stderr.trim()}`))));
  });
  return performance.now() - started;
}
