/**
 * Migration version order. A version is digits with optional dots (`0022`, `1.2.1`; see
 * `lambda/migrations/bundle.ts`), compared numerically part by part, a missing part counting as 0:
 * `0022` = `22`, `1.2` = `1.2.0` < `1.10`.
 */

const VERSION = /^\d+(\.\d+)*$/;

function parts(version: string): bigint[] {
  if (!VERSION.test(version)) {
    throw new Error(`Version ${JSON.stringify(version)} is not a version: expected digits with optional dots, e.g. 0022 or 1.2.1`);
  }
  return version.split('.').map((part) => BigInt(part));
}

/**
 * Compares two versions: negative when `a` comes first, 0 when equal, positive when `b` does.
 * @throws {Error} when either is not a version
 */
export function compareVersions(a: string, b: string): number {
  const pa = parts(a);
  const pb = parts(b);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? 0n;
    const y = pb[i] ?? 0n;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/**
 * The canonical spelling of a version, equal for versions that compare equal: leading zeros and
 * trailing `.0` parts dropped (`0022` → `22`, `1.2.0` → `1.2`). For use as a map key.
 * @throws {Error} when `version` is not a version
 */
export function versionKey(version: string): string {
  const p = parts(version);
  while (p.length > 1 && p[p.length - 1] === 0n) p.pop();
  return p.join('.');
}
