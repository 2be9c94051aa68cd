import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Every migration the lifecycle tests ship, one folder per version; a release is a subset of them. */
export const MIGRATION_POOL = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'migrations');

const created: string[] = [];

/**
 * A migrations folder holding the pool's migrations of the given versions (a "release" of the app),
 * in a new temporary folder removed by {@link removeReleases}.
 * @param versions e.g. `['0001', '0002']`
 * @throws Error naming a version the pool does not have
 */
export function releaseFolder(name: string, versions: readonly string[]): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `rds-migrate-release-${name}-`));
  created.push(dir);
  const folders = fs.readdirSync(MIGRATION_POOL);
  for (const version of versions) {
    const folder = folders.find((f) => f.startsWith(`${version}_`));
    if (!folder) throw new Error(`no migration ${version} in ${MIGRATION_POOL}`);
    fs.cpSync(path.join(MIGRATION_POOL, folder), path.join(dir, folder), { recursive: true });
  }
  return dir;
}

/** Removes every folder {@link releaseFolder} created in this test file: call in `afterAll`. */
export function removeReleases(): void {
  for (const dir of created.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}
