import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { BundledScript, MigrationBundle, MigrationDirectives } from './bundle';
import { compileMigrations, type CompileOptions } from './compile';
import type { MigrationTouches } from '../snapshot/scope/migration-touches';

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
  const directives = (d: MigrationDirectives | undefined): { directives?: MigrationDirectives } =>
    d === undefined
      ? {}
      : {
          directives: {
            ...(d.transaction !== undefined ? { transaction: d.transaction } : {}),
            ...(d.lockTimeoutMs !== undefined ? { lockTimeoutMs: d.lockTimeoutMs } : {}),
            ...(d.statementTimeoutMs !== undefined ? { statementTimeoutMs: d.statementTimeoutMs } : {}),
            ...(d.retries !== undefined ? { retries: d.retries } : {}),
          },
        };
  const touches = (t: MigrationTouches): MigrationTouches =>
    'unknown' in t ? { unknown: t.unknown } : { relations: t.relations.map((r) => (r.schema !== undefined ? { schema: r.schema, name: r.name } : { name: r.name })) };
  const canonical: MigrationBundle = {
    formatVersion: bundle.formatVersion,
    checksum: bundle.checksum,
    migrations: bundle.migrations.map((m) => ({
      version: m.version,
      name: m.name,
      checksum: m.checksum,
      transactional: m.transactional,
      ...directives(m.directives),
      up: script(m.up),
      ...(m.down ? { down: script(m.down) } : {}),
      ...(m.verify ? { verify: script(m.verify) } : {}),
      ...(m.data ? { data: { module: m.data.module, ...(m.data.down ? { down: true } : {}) } } : {}),
      ...(m.touches ? { touches: touches(m.touches) } : {}),
    })),
    ...(bundle.repeatables && bundle.repeatables.length > 0
      ? {
          repeatables: bundle.repeatables.map((r) => ({
            name: r.name,
            checksum: r.checksum,
            transactional: r.transactional,
            ...directives(r.directives),
            up: script(r.up),
          })),
        }
      : {}),
  };
  return `${JSON.stringify(canonical, null, 2)}\n`;
}

/**
 * Compiles a migrations folder and writes the bundle JSON ({@link bundleToJson}) to `outFile`,
 * creating its folder; data migrations' modules go to `data/` next to it (`data-modules.ts`). The
 * JSON is written under a temporary name and renamed, so a reader never sees half of it; the JSON
 * is not written when compiling fails.
 * @returns the bundle written
 * @throws {MigrationCompileError} for bad input (see `compileSources`)
 */
export async function writeBundleFile(dir: string, outFile: string, options: CompileOptions = {}): Promise<MigrationBundle> {
  const bundle = await compileMigrations(dir, { ...options, dataOutDir: path.dirname(path.resolve(outFile)) });
  await mkdir(path.dirname(path.resolve(outFile)), { recursive: true });
  const temporary = `${outFile}.${process.pid}.tmp`;
  await writeFile(temporary, bundleToJson(bundle), 'utf8');
  await rename(temporary, outFile);
  return bundle;
}
