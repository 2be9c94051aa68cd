/**
 * Migration version order. A version is digit groups separated by dots (`0022`, `1.2.1`,
 * `20240101120000`); versions compare group by group, numerically, so `2` < `10` and `1.2` < `1.10`.
 * Leading zeros do not count (`1` equals `01`) and a missing group counts as 0 (`1` equals `1.0`),
 * so two folders whose versions compare equal are duplicates. Groups of any length compare exactly
 * (no conversion to a floating-point number).
 */

/** A version as written: digit groups separated by dots. */
export const VERSION_PATTERN = /^\d+(?:\.\d+)*$/;

/**
 * Compares two versions: negative when `a` sorts first, positive when `b` does, 0 when they name the
 * same version. Usable as an `Array.prototype.sort` comparator.
 * @throws {Error} when either is not digit groups separated by dots
 */
export function compareVersions(a: string, b: string): number {
  const left = groups(a);
  const right = groups(b);
  for (let i = 0; i < Math.max(left.length, right.length); i++) {
    const order = compareDigits(left[i] ?? '0', right[i] ?? '0');
    if (order !== 0) return order;
  }
  return 0;
}

function groups(version: string): string[] {
  if (!VERSION_PATTERN.test(version)) {
    throw new Error(`Invalid migration version "${version}": expected digit groups separated by dots, e.g. 0022 or 1.2.1`);
  }
  return version.split('.').map((group) => group.replace(/^0+(?=\d)/, ''));
}

/** Compares two digit strings without leading zeros as numbers. */
function compareDigits(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The canonical spelling of a version: leading zeros and trailing `.0` groups removed (`001.2.0` →
 * `1.2`, `0` → `0`). Two versions have the same key exactly when {@link compareVersions} says they
 * are equal, so readers pair files by it (golang-migrate `.up`/`.down`, Flyway `V`/`U`).
 * @throws {Error} when `version` is not digit groups separated by dots
 */
export function versionKey(version: string): string {
  const parts = groups(version);
  while (parts.length > 1 && parts[parts.length - 1] === '0') parts.pop();
  return parts.join('.');
}
