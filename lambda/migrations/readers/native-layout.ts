import path from 'node:path';
import { MigrationCompileError } from '../compile-error';
import type { MigrationSource, SourceFile } from '../migration-source';
import { isNote, readSourceFile, requireFolder, visibleEntries } from './folder-entries';

/**
 * Reader of rds-migrate's native layout (see `bundle.ts`):
 *
 *     migrations/
 *       0022_add_ocr_indexes/
 *         up.sql  down.sql  verify.sql
 *
 * Rules, each failing with a {@link MigrationCompileError} that names the path:
 * - every folder is `<version>_<name>`: version digit groups separated by dots (`0022`, `1.2.1`),
 *   name one or more letters, digits, `_` or `-`;
 * - a migration folder holds `up.sql` (required), `down.sql` and `verify.sql` (optional), nothing else;
 * - files at the top level are not allowed, except Markdown notes (`*.md`);
 * - names starting with `.` (`.DS_Store`, `.gitkeep`) are ignored everywhere.
 * Symbolic links are followed.
 */

/** A native migration folder name: `<version>_<name>`. */
export const NATIVE_FOLDER_NAME = /^(\d+(?:\.\d+)*)_([A-Za-z0-9_-]+)$/;
/** The scripts a native migration folder may hold. */
export const NATIVE_SCRIPT_FILES = ['up.sql', 'down.sql', 'verify.sql'] as const;

/**
 * Reads a native-layout migrations folder.
 * @param dir the migrations folder (named in errors as given)
 * @returns one source per migration folder, in folder-name order (the compiler sorts by version)
 * @throws {MigrationCompileError} when `dir` is missing or not a folder, or breaks a rule above
 */
export async function readNativeLayout(dir: string): Promise<MigrationSource[]> {
  await requireFolder(dir);
  const sources: MigrationSource[] = [];
  for (const entry of await visibleEntries(dir)) {
    if (!entry.isDirectory) {
      if (isNote(entry.name)) continue;
      throw new MigrationCompileError(
        'unexpected file in the migrations folder: each migration is a folder <version>_<name>/ holding up.sql ' +
          '(and optionally down.sql, verify.sql), e.g. 0001_create_users/up.sql',
        entry.path,
      );
    }
    sources.push(await readMigrationFolder(dir, entry.name));
  }
  return sources;
}

async function readMigrationFolder(dir: string, folder: string): Promise<MigrationSource> {
  const location = path.join(dir, folder);
  const match = NATIVE_FOLDER_NAME.exec(folder);
  if (!match) {
    throw new MigrationCompileError(
      `bad migration folder name "${folder}": expected <version>_<name>, the version digits with optional dots ` +
        '(0022, 1.2.1) and the name letters, digits, "_" or "-", e.g. 0022_add_ocr_indexes',
      location,
    );
  }
  const [, version, name] = match as unknown as [string, string, string];

  const present = new Set<string>();
  for (const entry of await visibleEntries(location)) {
    if (entry.isDirectory || !(NATIVE_SCRIPT_FILES as readonly string[]).includes(entry.name)) {
      throw new MigrationCompileError(
        `unknown ${entry.isDirectory ? 'entry' : 'file'} "${entry.name}" in migration folder: a migration folder holds only up.sql, down.sql and verify.sql`,
        entry.path,
      );
    }
    present.add(entry.name);
  }
  if (!present.has('up.sql')) {
    throw new MigrationCompileError('migration folder has no up.sql (the migration\'s change, required)', location);
  }

  const read = async (script: string): Promise<SourceFile | undefined> =>
    present.has(script) ? readSourceFile(dir, `${folder}/${script}`) : undefined;
  const [up, down, verify] = await Promise.all(NATIVE_SCRIPT_FILES.map(read));
  return {
    version,
    name,
    location,
    up: up as SourceFile,
    ...(down ? { down } : {}),
    ...(verify ? { verify } : {}),
  };
}
