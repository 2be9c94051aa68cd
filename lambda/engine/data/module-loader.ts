import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { DataMigration, DataMigrationLoader } from './data-migration';

/**
 * A {@link DataMigrationLoader} importing `ref.module` relative to `baseDir` (in the function: the
 * folder of `migrations.json`, where esbuild wrote the bundled modules) with a dynamic `import()`.
 * @throws {Error} naming the module when its path leaves `baseDir` or it cannot be imported
 */
export function moduleLoader(baseDir: string): DataMigrationLoader {
  const root = path.resolve(baseDir);
  return async (ref, migration) => {
    const file = path.resolve(root, ref.module);
    if (file !== root && !file.startsWith(root + path.sep)) {
      throw new Error(`data migration ${migration.version}: module ${JSON.stringify(ref.module)} is outside ${root}`);
    }
    try {
      return (await import(pathToFileURL(file).href)) as DataMigration;
    } catch (error) {
      throw new Error(`data migration ${migration.version}: cannot import module ${ref.module} (${file}): ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
  };
}
