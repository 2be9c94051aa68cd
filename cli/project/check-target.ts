import type { Executor } from '../../lambda/driver/driver';
import type { MigrationBundle } from '../../lambda/migrations/bundle';
import { UsageError } from '../usage-error';

/**
 * Checks `migrate --to` against the database before migrate starts, so that a target below the
 * current version is bad input (exit 4) rather than an error from inside the engine: one read of
 * the schema history, no lock. (Migrate checks again under the lock.)
 * @throws {UsageError} when the target is below the current version
 */
export async function checkMigrateTarget(db: Executor, bundle: MigrationBundle, target: string): Promise<void> {
  const [{ status }, { compareVersions }] = await Promise.all([
    import('../../lambda/engine/commands/status'),
    import('../../lambda/migrations/compare-versions'),
  ]);
  const current = (await status(db, bundle)).current;
  if (current !== null && compareVersions(target, current) < 0) {
    throw new UsageError(`--to: ${target} is below the current version ${current}; use \`rds-migrate rollback --to ${target}\` to go down`);
  }
}

/**
 * Checks `rollback --to` with the engine's own rule (`checkRollbackTarget`: `0` or a version of the
 * folder or the schema history, not above the current version), reading the schema history once.
 * @throws {UsageError} with the engine's message, naming the flag
 */
export async function checkRollbackTarget(db: Executor, bundle: MigrationBundle, target: string): Promise<void> {
  const [{ status }, engine] = await Promise.all([
    import('../../lambda/engine/commands/status'),
    import('../../lambda/engine/plan/build-down'),
  ]);
  const current = await status(db, bundle);
  try {
    engine.checkRollbackTarget(current, target);
  } catch (error) {
    throw new UsageError(`--to: ${(error as Error).message}`);
  }
}
