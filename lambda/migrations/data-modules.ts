/**
 * Bundling of TypeScript data migrations (native `up.ts`, see `bundle.ts`) at bundle time: each
 * module is bundled by esbuild into one self-contained ES module, every import inlined (Node.js
 * built-ins stay imports; `import type` lines vanish, so a module may import its types from
 * rds-migrate), written as `data/<version>_<name>.mjs` into the bundle's folder, next to
 * `migrations.json`. The function (and the CLI) import it from there at run time
 * (`lambda/engine/data/module-loader.ts`).
 *
 * Whether a module exports `down` is read from esbuild's metafile (`outputs[<file>].exports`, the
 * export names of the bundled module), not guessed from the source text; a module that does not
 * export `up` is refused.
 *
 * esbuild is loaded only when a folder holds a data migration, so SQL-only projects never need it.
 */
import path from 'node:path';
import type { BuildFailure, Message, Metafile } from 'esbuild';
import type { DataMigrationRef } from './bundle';
import { MigrationCompileError } from './compile-error';
import type { MigrationSource } from './migration-source';

/** Folder of the bundled modules inside the bundle's folder. */
export const DATA_MODULES_FOLDER = 'data';

/**
 * Lets an inlined CommonJS dependency `require` Node.js built-ins from the ES module (esbuild's
 * shim otherwise throws "Dynamic require of ... is not supported").
 */
const REQUIRE_BANNER = "import { createRequire as __rdsMigrateCreateRequire } from 'node:module';\nconst require = __rdsMigrateCreateRequire(import.meta.url);";

/** The module path a data migration gets in the bundle: `data/<version>_<name>.mjs`. */
export function dataModulePath(source: Pick<MigrationSource, 'version' | 'name'>): string {
  return `${DATA_MODULES_FOLDER}/${source.version}_${source.name}.mjs`;
}

export interface BundleDataModulesOptions {
  /**
   * The bundle's folder (where `migrations.json` goes): the modules are written to its `data/`
   * folder, created when missing (files already there are overwritten, others left). Absent: the
   * modules are bundled in memory only (checked, their exports read) and nothing is written.
   */
  readonly outDir?: string;
}

/** The first esbuild error as a compile error naming the file, line and column. */
function compileErrorOf(failure: BuildFailure, dir: string, fallback: string): MigrationCompileError {
  const first: Message | undefined = failure.errors?.[0];
  if (!first) return new MigrationCompileError(`cannot bundle the data migration: ${failure.message}`, fallback);
  const location = first.location;
  const file = location ? path.join(dir, location.file) : fallback;
  return new MigrationCompileError(
    `cannot bundle the data migration (esbuild): ${first.text}`,
    file,
    location ? location.line : undefined,
    location ? location.column + 1 : undefined,
  );
}

/**
 * Bundles every data migration among `sources` (those with `dataModule`) in one esbuild run: ESM,
 * platform node, target node22, all imports inlined.
 * @param dir the migrations folder (named in errors as given; esbuild's working folder, so the
 *   bundled modules name their inputs by paths relative to it and the output does not depend on
 *   where the folder is)
 * @returns each data migration's reference, keyed by its `up.file` (e.g. `0042_backfill/up.ts`)
 * @throws {MigrationCompileError} naming `file:line:column` when a module does not bundle (a syntax
 *   error, an import that cannot be resolved), or naming `up.ts` when it does not export `up`
 */
export async function bundleDataModules(
  dir: string,
  sources: readonly MigrationSource[],
  options: BundleDataModulesOptions = {},
): Promise<Map<string, DataMigrationRef>> {
  const refs = new Map<string, DataMigrationRef>();
  const modules = sources.filter((s) => s.dataModule);
  if (modules.length === 0) return refs;
  const workingDir = path.resolve(dir);
  const outDir = path.resolve(options.outDir ?? workingDir);
  const { build } = await import('esbuild');
  let metafile: Metafile;
  try {
    ({ metafile } = await build({
      absWorkingDir: workingDir,
      entryPoints: modules.map((s) => ({ in: path.resolve(s.up.path), out: dataModulePath(s).replace(/\.mjs$/, '') })),
      outdir: outDir,
      outExtension: { '.js': '.mjs' },
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node22',
      banner: { js: REQUIRE_BANNER },
      charset: 'utf8',
      metafile: true,
      write: options.outDir !== undefined,
      logLevel: 'silent',
    }));
  } catch (error) {
    if (error && typeof error === 'object' && 'errors' in error) throw compileErrorOf(error as BuildFailure, dir, modules[0]!.location);
    throw error;
  }
  for (const source of modules) {
    const module = dataModulePath(source);
    const key = path.relative(workingDir, path.join(outDir, ...module.split('/'))).split(path.sep).join('/');
    const output = metafile.outputs[key];
    if (!output) throw new Error(`esbuild wrote no ${module} for ${source.up.path} (metafile outputs: ${Object.keys(metafile.outputs).join(', ')})`);
    if (!output.exports.includes('up')) {
      throw new MigrationCompileError(
        `the data migration exports no up function (it exports ${output.exports.length > 0 ? output.exports.join(', ') : 'nothing'}): ` +
          'write `export async function up(ctx: DataMigrationContext) { ... }` (and optionally `export async function down(ctx)`)',
        source.up.path,
      );
    }
    refs.set(source.up.file, { module, ...(output.exports.includes('down') ? { down: true } : {}) });
  }
  return refs;
}
