import type { MigrationBundle } from '../../lambda/migrations/bundle';
import type { MigrationLayout } from '../../lambda/migrations/readers/layouts';

/**
 * A compiler error about `absolute` (the migrations folder resolved against the project folder)
 * renamed to the folder as the user gave it (`migrations/0001_x/up.sql:3`, not the absolute path),
 * with a hint to run `rds-migrate init` when the folder is missing. Other errors are returned as they are.
 */
export async function relabelCompileError(error: unknown, dir: string, absolute: string): Promise<unknown> {
  const { MigrationCompileError } = await import('../../lambda/migrations/compile-error');
  if (!(error instanceof MigrationCompileError) || !error.file.startsWith(absolute)) return error;
  const file = dir.replace(/\/$/, '') + error.file.slice(absolute.length);
  const hint = error.reason === 'migrations folder not found' ? ' (run `rds-migrate init` to create it, or pass --migrations <dir>)' : '';
  return new MigrationCompileError(`${error.reason}${hint}`, file, error.line, error.column);
}

/**
 * Compiles the migrations folder with the compiler the construct runs at synth time
 * (`compileMigrations`, `lambda/migrations/compile.ts`), so the CLI runs the bundle the function
 * would: same statements, checksums and transactionality, in any layout the compiler reads.
 * @param dir the folder as given on the command line (errors name it so)
 * @param absolute the folder resolved against the project folder
 * @param layout the folder's layout, `auto` to detect it
 * @param dataOutDir where data migrations' modules are bundled (`data/<version>_<name>.mjs` under it,
 *   as next to the function's `migrations.json`); absent: they are checked but not written
 * @throws {MigrationCompileError} naming the file, line and column at fault (exit code 4)
 */
export async function loadBundle(dir: string, absolute: string, layout: MigrationLayout | 'auto' = 'auto', dataOutDir?: string): Promise<MigrationBundle> {
  const { compileMigrations } = await import('../../lambda/migrations/compile');
  try {
    return await compileMigrations(absolute, { layout, ...(dataOutDir !== undefined ? { dataOutDir } : {}) });
  } catch (error) {
    throw await relabelCompileError(error, dir, absolute);
  }
}
