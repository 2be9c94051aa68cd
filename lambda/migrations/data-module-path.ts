import path from 'node:path';

/**
 * True when `module` is a data migration's module path as the bundle may hold it
 * (`BundledMigration.data.module`): relative to the bundle's folder with `/` separators, inside it
 * (no `..` segment, not absolute, no backslash, no empty or `.` segment), ending in `.mjs`, e.g.
 * `data/0042_backfill.mjs`. A bundle naming any other path is refused by `loadBundle`, so the
 * function never imports a file from outside its asset.
 */
export function isDataModulePath(module: string): boolean {
  if (module.length === 0 || module.length > 1000 || module.includes('\\') || module.includes('\0') || path.posix.isAbsolute(module)) return false;
  const segments = module.split('/');
  return segments.every((s) => s !== '' && s !== '.' && s !== '..') && module.endsWith('.mjs');
}
