import { Option, type Command } from 'commander';
import { MIGRATION_LAYOUTS, type MigrationLayout } from '../../lambda/migrations/readers/layouts';

/** The migrations folder flags, as commander parsed them. */
export interface MigrationsFlags {
  readonly migrations: string;
  /** `--layout`: the folder's layout, or `auto` to detect it. */
  readonly layout: MigrationLayout | 'auto';
}

/** The migrations folder when `--migrations` is not given, relative to the project folder. */
export const DEFAULT_MIGRATIONS_DIR = 'migrations';

/**
 * Adds `-m, --migrations <dir>` (default `./migrations`) and `--layout <layout>` (default `auto`:
 * detected from the entries' names, `lambda/migrations/readers/detect-layout.ts`) to a command.
 */
export function addMigrationsOption(command: Command): Command {
  return command
    .option('-m, --migrations <dir>', 'migrations folder', DEFAULT_MIGRATIONS_DIR)
    .addOption(
      new Option('--layout <layout>', 'the folder\'s layout: native <version>_<name>/up.sql, golang-migrate, flyway or dbmate files')
        .choices(['auto', ...MIGRATION_LAYOUTS])
        .default('auto'),
    );
}
