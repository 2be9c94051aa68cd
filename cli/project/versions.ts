import type { MigrationBundle } from '../../lambda/migrations/bundle';
import { UsageError } from '../usage-error';

/** A version as written in folder names: digit groups separated by dots (`0022`, `1.2.1`). */
const VERSION = /^\d+(?:\.\d+)*$/;

/**
 * Checks the format of a version flag.
 * @throws {UsageError} naming the flag
 */
export function checkVersionFlag(value: string, flag: string): string {
  if (!VERSION.test(value) || value.length > 64) {
    throw new UsageError(`${flag}: ${JSON.stringify(value)} is not a version; expected digits with optional dots, e.g. 0022 or 1.2.1`);
  }
  return value;
}

/**
 * Checks that a version flag names a migration of the folder (`22` and `0022` are one version,
 * `compareVersions`), returning the version as the folder writes it.
 * @throws {UsageError} naming the flag and listing the versions there are
 */
export async function requireBundledVersion(bundle: MigrationBundle, value: string, flag: string): Promise<string> {
  checkVersionFlag(value, flag);
  const { compareVersions } = await import('../../lambda/migrations/compare-versions');
  const match = bundle.migrations.find((m) => compareVersions(m.version, value) === 0);
  if (!match) {
    const known = bundle.migrations.map((m) => m.version).join(', ') || 'none';
    throw new UsageError(`${flag}: ${value} is not a migration of the migrations folder (versions: ${known})`);
  }
  return match.version;
}
