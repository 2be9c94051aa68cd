import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { BundledScript, MigrationBundle } from './bundle';
import { compileMigrations, type CompileOptions } from './compile';

/**
 * The bundle as JSON text: keys in a fixed order, 2-space indentation, a final newline, no
 * timestamps or absolute paths. The same bundle always gives the same bytes, so the function's asset
 * hash (and the custom resource's update) changes only when a migration file does.
 */
export function bundleToJson(bundle: MigrationBundle): string {
  const script = (s: BundledScript): BundledScript => ({
    file: s.file,
    checksum: s.checksum,
    statements: s.statements.map(({ sql, line, nonTransactional }) => ({ sql, line, nonTransactional })),
  });
  const canonical: MigrationBundle = {
    formatVersion: bundle.formatVersion,
    checksum: bundle.checksum,
    migrations: bundle.migrations.map((m) => ({
      version: m.version,
      name: m.name,
      checksum: m.checksum,
      transactional: m.transactional,
      up: script(m.up),
      ...(m.down ? { down: script(m.down) } : {}),
      ...(m.verify ? { verify: script(m.verify) } : {}),
    })),
  };
  return `${JSON.stringify(canonical, null, 2)}\n`;
}

/**
 * Compiles a migrations folder and writes the bundle JSON ({@link bundleToJson}) to `outFile`,
 * creating its folder. The file is written under a temporary name and renamed, so a reader never
 * sees half of it; nothing is written when compiling fails.
 * @returns the bundle written
 * @throws {MigrationCompileError} for bad input (see `compileSources`)
 */
export async function writeBundleFile(dir: string, outFile: string, options: CompileOptions = {}): Promise<MigrationBundle> {
  const bundle = await compileMigrations(dir, options);
  await mkdir(path.dirname(path.resolve(outFile)), { recursive: true });
  const temporary = `${outFile}.${process.pid}.tmp`;
  await writeFile(temporary, bundleToJson(bundle), 'utf8');
  await rename(temporary, outFile);
  return bundle;
}
