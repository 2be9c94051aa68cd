import { spawn } from 'node:child_process';
import path from 'node:path';
import { build } from 'esbuild';
import type { OurResult, OurTask } from './our-side';

const SIDE = path.join(import.meta.dirname, 'our-side.ts');

/**
 * Bundles `our-side.ts` with esbuild into one ESM file in `directory`, as the function's own code is
 * bundled (`lib/migrations-function.ts`): the child then runs plain JavaScript, without a TypeScript
 * loader in its memory.
 * @returns the bundle's path
 */
export async function bundleOurSide(directory: string): Promise<string> {
  const outfile = path.join(directory, 'our-side.mjs');
  await build({
    entryPoints: [SIDE],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    logLevel: 'error',
    // CommonJS dependencies bundled into ESM need a require().
    banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
  });
  return outfile;
}

/**
 * Runs the bundled `our-side.ts` (`bundleOurSide`) in a child process with `task`, and returns what it printed.
 * @throws {Error} with the child's stderr when it fails
 */
export function runOurSide(bundle: string, task: OurTask): Promise<OurResult> {
  return new Promise((resolve, reject) => {
    // BENCH_OUR_NODE_ARGS: extra node options for our side, e.g. `--cpu-prof --cpu-prof-dir=prof` to profile it.
    const extra = process.env.BENCH_OUR_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
    const child = spawn(process.execPath, ['--no-warnings', ...extra, bundle], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, BENCH_TASK: JSON.stringify(task) },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      const line = stdout.trim().split('\n').at(-1) ?? '';
      if (code !== 0 || !line.startsWith('{')) reject(new Error(`our ${task.mode} failed (exit ${code}):\n${stderr.trim()}`));
      else resolve(JSON.parse(line) as OurResult);
    });
  });
}
