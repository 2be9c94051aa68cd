import type { FolderSources } from '../migration-source';
import { readDbmateLayout } from './dbmate';
import { detectLayout } from './detect-layout';
import { readFlywayLayout } from './flyway';
import { readGolangMigrateLayout } from './golang-migrate';
import { isMigrationLayout, MIGRATION_LAYOUTS, type MigrationLayout } from './layouts';
import { readNativeLayout } from './native-layout';

export interface ReadFolderOptions {
  /**
   * The folder's layout, or `auto` to detect it from the entries' names ({@link detectLayout}).
   * Naming it skips detection: every entry that does not fit that layout is then an error naming it.
   * @default 'auto'
   */
  readonly layout?: MigrationLayout | 'auto';
}

/**
 * Reads a migrations folder in any layout (see `bundle.ts`) with that layout's reader.
 * @param dir the migrations folder, named in errors as given
 * @returns the layout read, its versioned migrations and (Flyway only) repeatable migrations, in any order
 * @throws {MigrationCompileError} naming the path at fault: a folder mixing layouts, or an entry the layout's reader refuses
 * @throws {Error} when `options.layout` is not a layout name
 */
export async function readMigrationsFolder(dir: string, options: ReadFolderOptions = {}): Promise<FolderSources> {
  if (options.layout !== undefined && options.layout !== 'auto' && !isMigrationLayout(options.layout)) {
    throw new Error(`layout must be "auto" or one of ${MIGRATION_LAYOUTS.map((l) => `"${l}"`).join(', ')}, got ${JSON.stringify(options.layout)}`);
  }
  const layout = options.layout === undefined || options.layout === 'auto' ? await detectLayout(dir) : options.layout;
  switch (layout) {
    case 'native':
      return { layout, migrations: await readNativeLayout(dir), repeatables: [] };
    case 'golang-migrate':
      return { layout, migrations: await readGolangMigrateLayout(dir), repeatables: [] };
    case 'dbmate':
      return { layout, migrations: await readDbmateLayout(dir), repeatables: [] };
    case 'flyway':
      return { layout, ...(await readFlywayLayout(dir)) };
  }
}
