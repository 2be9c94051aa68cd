/**
 * Version identity for maps. Versions are ordered by the compiler's `compareVersions`
 * (`lambda/migrations/compare-versions.ts`), under which `0022` equals `22` and `1.2.0` equals `1.2`.
 */
import { VERSION_PATTERN } from '../migrations/compare-versions';

/**
 * The canonical spelling of a version, equal for versions that compare equal: leading zeros and
 * trailing `.0` groups dropped (`0022` → `22`, `1.2.0` → `1.2`). For use as a map key.
 * @throws {Error} when `version` is not digit groups separated by dots
 */
export function versionKey(version: string): string {
  if (!VERSION_PATTERN.test(version)) {
    throw new Error(`Invalid migration version "${version}": expected digit groups separated by dots, e.g. 0022 or 1.2.1`);
  }
  const groups = version.split('.').map((group) => group.replace(/^0+(?=\d)/, ''));
  while (groups.length > 1 && groups[groups.length - 1] === '0') groups.pop();
  return groups.join('.');
}
