import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildSync } from 'esbuild';
import { BUILD_CACHE_DIR } from './package-paths';

const built = new Map<string, string>();

/**
 * Builds a TypeScript command-line script of this package once per process with esbuild, into an ES
 * module in the package's build cache (`node_modules/.cache/rds-migrate/<name>.mjs`), so the construct
 * can run it with plain `node` in a child process at synth time (synchronously, from a constructor:
 * the compiler and the linter are asynchronous and load WebAssembly). Its npm dependencies are left
 * external so `libpg-query` loads its WASM file from `node_modules`. Written to a temporary name and
 * renamed, so concurrent synths never run a half-written file.
 *
 * @param entry absolute path of the script (e.g. `lambda/migrations/compile-cli.ts`)
 * @param name the output's base name, e.g. `compile-cli`
 * @returns the absolute path of the built script
 */
export function buildNodeScript(entry: string, name: string): string {
  const cached = built.get(entry);
  if (cached && fs.existsSync(cached)) return cached;
  fs.mkdirSync(BUILD_CACHE_DIR, { recursive: true });
  const target = path.join(BUILD_CACHE_DIR, `${name}.mjs`);
  const temporary = `${target}.${process.pid}.tmp`;
  buildSync({
    entryPoints: [entry],
    outfile: temporary,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'silent',
  });
  fs.renameSync(temporary, target);
  built.set(entry, target);
  return target;
}
