import type { Command } from 'commander';

/** The migrations folder flag, as commander parsed it. */
export interface MigrationsFlags {
  readonly migrations: string;
}

/** The migrations folder when `--migrations` is not given, relative to the project folder. */
export const DEFAULT_MIGRATIONS_DIR = 'migrations';

/** Adds `-m, --migrations <dir>` (default `./migrations`) to a command. */
export function addMigrationsOption(command: Command): Command {
  return command.option('-m, --migrations <dir>', 'migrations folder (<version>_<name>/{up,down,verify}.sql)', DEFAULT_MIGRATIONS_DIR);
}
