import { versionKey } from '../compare-versions';
import { MigrationCompileError } from '../compile-error';
import type { MigrationSource, SourceFile } from '../migration-source';
import { isNote, readSourceFile, requireFolder, visibleEntries, type FolderEntry } from './folder-entries';

/**
 * Reader of golang-migrate's layout (github.com/golang-migrate/migrate, `source/parse.go`):
 *
 *     migrations/
 *       20240101120000_create_authors.up.sql
 *       20240101120000_create_authors.down.sql
 *
 * Rules, each failing with a {@link MigrationCompileError} that names the path:
 * - every file is `<version>_<name>.up.sql` or `<version>_<name>.down.sql`: the version digits
 *   only (golang-migrate reads it as an unsigned integer), the name not empty; Markdown notes are
 *   allowed, sub-folders are not (golang-migrate does not read them);
 * - one up file per version (required) and at most one down file, paired by version (`1` and `01`
 *   are the same version, as golang-migrate parses them); the up file's name is the migration's;
 * - no verify scripts: golang-migrate has none.
 * Both scripts may wrap their content in `BEGIN; ... COMMIT;` (see `SourceFile.allowsTransactionWrapper`).
 */

/** golang-migrate's file name pattern, `.sql` files only. */
export const GOLANG_MIGRATE_FILE_NAME = /^(\d+)_(.*)\.(up|down)\.sql$/;

interface Found {
  readonly version: string;
  readonly name: string;
  readonly entry: FolderEntry;
}

/**
 * Reads a golang-migrate migrations folder.
 * @param dir the migrations folder (named in errors as given)
 * @returns one source per version, in file-name order (the compiler sorts by version)
 * @throws {MigrationCompileError} when `dir` is missing or not a folder, or breaks a rule above
 */
export async function readGolangMigrateLayout(dir: string): Promise<MigrationSource[]> {
  await requireFolder(dir);
  const ups = new Map<string, Found>();
  const downs = new Map<string, Found>();
  for (const entry of await visibleEntries(dir)) {
    if (!entry.isDirectory && isNote(entry.name)) continue;
    const match = entry.isDirectory ? null : GOLANG_MIGRATE_FILE_NAME.exec(entry.name);
    if (!match) {
      throw new MigrationCompileError(
        `unexpected ${entry.isDirectory ? 'folder' : 'file'} in a golang-migrate migrations folder: expected ` +
          '<version>_<name>.up.sql or <version>_<name>.down.sql (version digits only), e.g. 20240101120000_create_users.up.sql',
        entry.path,
      );
    }
    const [, version, name, direction] = match as unknown as [string, string, string, 'up' | 'down'];
    if (name === '') {
      throw new MigrationCompileError(`migration file name "${entry.name}" has no name after "${version}_": expected <version>_<name>.${direction}.sql`, entry.path);
    }
    const byVersion = direction === 'up' ? ups : downs;
    const key = versionKey(version);
    const earlier = byVersion.get(key);
    if (earlier) {
      throw new MigrationCompileError(
        `duplicate migration version: "${version}" is the same version as "${earlier.version}" of ${earlier.entry.path} ` +
          `(two ${direction} files for one version); give one of them a new version`,
        entry.path,
      );
    }
    byVersion.set(key, { version, name, entry });
  }

  for (const [key, down] of downs) {
    if (!ups.has(key)) {
      throw new MigrationCompileError(
        `down file without an up file: no ${down.version}_<name>.up.sql for version ${down.version} (a migration needs its up script)`,
        down.entry.path,
      );
    }
  }

  const sources: MigrationSource[] = [];
  for (const [key, up] of ups) {
    const down = downs.get(key);
    const read = async (found: Found): Promise<SourceFile> => ({ ...(await readSourceFile(dir, found.entry.name)), allowsTransactionWrapper: true });
    sources.push({
      version: up.version,
      name: up.name,
      location: up.entry.path,
      up: await read(up),
      ...(down ? { down: await read(down) } : {}),
    });
  }
  return sources;
}
