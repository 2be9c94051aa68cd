import { readFileSync } from 'node:fs';
import type { MigrationBundle } from '../migrations/bundle';
import { loadBundle } from '../migrations/load-bundle';

const cache = new Map<string, MigrationBundle>();

/**
 * Reads and validates `migrations.json` (the bundle compiled at synth time) once per cold start.
 * @throws {InvalidBundleError} naming each bad field; {Error} naming the path when it cannot be read
 */
export function loadFunctionBundle(path: string): MigrationBundle {
  const cached = cache.get(path);
  if (cached) return cached;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`Cannot read the migration bundle ${path}: ${(error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`The migration bundle ${path} is not valid JSON: ${(error as Error).message}`);
  }
  const bundle = loadBundle(json, path);
  cache.set(path, bundle);
  return bundle;
}
