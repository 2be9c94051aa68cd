import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { MigrationBundle } from '../lambda/migrations/bundle';
import { BUNDLE_FILE_NAME } from '../lambda/migrations/bundle';
import type { MigrationLayout } from '../lambda/migrations/readers/layouts';
import { buildNodeScript } from './build-script';
import { COMPILE_CLI_ENTRY } from './package-paths';

/** The result of compiling a migrations folder at synth time. */
export interface CompiledMigrations {
  /**
   * Absolute path of the compiled bundle (`migrations.json`), in a fresh temporary folder; data
   * migrations' bundled modules are in its `data/` folder.
   */
  readonly bundleFile: string;
  /** The bundle's `checksum` (sha256 hex): changes when any migration file does. */
  readonly checksum: string;
  /** The bundled migrations' versions, ascending (e.g. `['0022', '0023']`). */
  readonly versions: readonly string[];
}

/** Thrown when the compiler rejects the migrations folder; `message` is the compiler's own. */
export class MigrationsCompileError extends Error {
  override readonly name = 'MigrationsCompileError';
}

/**
 * Builds `lambda/migrations/compile-cli.ts` once per process (see `buildNodeScript`).
 *
 * @returns the absolute path of the built script
 */
export function buildCompileCli(): string {
  return buildNodeScript(COMPILE_CLI_ENTRY, 'compile-cli');
}

/**
 * Compiles a migrations folder into the bundle the function loads, by running the compiler
 * (`compile-cli --layout <layout> <dir> <outFile>`) synchronously in a child Node process, so it
 * can run from a construct's constructor at synth time.
 *
 * @param migrationsDirectory absolute path of the migrations folder
 * @param layout the folder's layout, or `auto` to detect it
 * @returns the bundle file (in a new temporary folder, with data migrations' modules in `data/`) and its checksum
 * @throws MigrationsCompileError with the compiler's message (stderr, else stdout) when it exits
 *         non-zero, e.g. a migration that does not parse, named by file and line
 */
export function compileMigrations(migrationsDirectory: string, layout: MigrationLayout | 'auto' = 'auto'): CompiledMigrations {
  const cli = buildCompileCli();
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rds-migrate-bundle-'));
  const bundleFile = path.join(outDir, BUNDLE_FILE_NAME);
  try {
    execFileSync(process.execPath, [cli, '--layout', layout, migrationsDirectory, bundleFile], {
      stdio: ['ignore', 'pipe', 'pipe'],
      encoding: 'utf8',
    });
  } catch (error) {
    const failed = error as { stderr?: string; stdout?: string; message: string };
    const message = failed.stderr?.trim() || failed.stdout?.trim() || failed.message;
    fs.rmSync(outDir, { recursive: true, force: true });
    throw new MigrationsCompileError(message);
  }
  const bundle = JSON.parse(fs.readFileSync(bundleFile, 'utf8')) as MigrationBundle;
  if (typeof bundle.checksum !== 'string' || !Array.isArray(bundle.migrations)) {
    throw new MigrationsCompileError(`${bundleFile} is not a migration bundle (no checksum or migrations)`);
  }
  return { bundleFile, checksum: bundle.checksum, versions: bundle.migrations.map((m) => m.version) };
}
