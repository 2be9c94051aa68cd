import { expect } from 'vitest';
import { compileMigrations } from '../../lambda/migrations/compile';
import { MigrationCompileError } from '../../lambda/migrations/compile-error';
import type { MigrationLayout } from '../../lambda/migrations/readers/layouts';

/**
 * The error `compileMigrations(dir)` fails with (in `layout`, detected when absent); the test fails
 * when it compiles, or fails with anything but a {@link MigrationCompileError}.
 */
export async function compileError(dir: string, layout?: MigrationLayout): Promise<MigrationCompileError> {
  const error = await compileMigrations(dir, layout ? { layout } : {}).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(MigrationCompileError);
  return error as MigrationCompileError;
}
