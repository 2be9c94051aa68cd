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
 *       0023_backfill_amount_cents/
 *         up.ts  verify.sql
 *
 * Rules, each failing with a {@link MigrationCompileError} that names the path:
 * - every folder is `<version>_<name>`: version digit groups separated by dots (`0022`, `1.2.1`),
 *   name one or more letters, digits, `_` or `-`;
 * - a migration folder holds `up.sql` (required), `down.sql` and `verify.sql` (optional), nothing else;
 * - or, for a TypeScript data migration, `up.ts` instead of `up.sql` (both is an error naming the
 *   folder), with `verify.sql` (optional) and no `down.sql` (the module's exported `down` reverts it);
 * - files at the top level are not allowed, except Markdown notes (`*.md`);
 * - names starting with `.` (`.DS_Store`, `.gitkeep`) are ignored everywhere.
 * Symbolic links are followed.
 */

/** A native migration folder name: `<version>_<name>`. */
export const NATIVE_FOLDER_NAME = /^(\d+(?:\.\d+)*)_([A-Za-z0-9_-]+)$/;
/** The scripts a native migration folder may hold. */
export const NATIVE_SCRIPT_FILES = ['up.sql', 'down.sql', 'verify.sql'] as const;
/** A native data migration's module, in place of `up.sql`. */
export const NATIVE_DATA_MODULE_FILE = 'up.ts';

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
    if (entry.isDirectory || ![...NATIVE_SCRIPT_FILES, NATIVE_DATA_MODULE_FILE].includes(entry.name)) {
      throw new MigrationCompileError(
        `unknown ${entry.isDirectory ? 'entry' : 'file'} "${entry.name}" in migration folder: a migration folder holds only up.sql, down.sql and verify.sql ` +
          '(or up.ts, a TypeScript data migration, and verify.sql)',
        entry.path,
      );
    }
    present.add(entry.name);
  }
  if (present.has(NATIVE_DATA_MODULE_FILE)) return readDataMigrationFolder(dir, folder, version, name, present);
  if (!present.has('up.sql')) {
    throw new MigrationCompileError('migration folder has no up.sql (the migration\'s change, required) nor up.ts (a TypeScript data migration)', location);
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

/** A data migration's folder: `up.ts`, optionally `verify.sql`. */
async function readDataMigrationFolder(dir: string, folder: string, version: string, name: string, present: ReadonlySet<string>): Promise<MigrationSource> {
  const location = path.join(dir, folder);
  if (present.has('up.sql')) {
    throw new MigrationCompileError(
      'migration folder has both up.sql and up.ts: a migration is either SQL (up.sql) or a TypeScript data migration (up.ts); move one into a migration of its own',
      location,
    );
  }
  if (present.has('down.sql')) {
    throw new MigrationCompileError(
      'down.sql next to up.ts: a data migration is reverted by the down(ctx) function its module exports, not by a SQL script; export down from up.ts and remove down.sql',
      path.join(location, 'down.sql'),
    );
  }
  const up = await readSourceFile(dir, `${folder}/${NATIVE_DATA_MODULE_FILE}`);
  const verify = present.has('verify.sql') ? await readSourceFile(dir, `${folder}/verify.sql`) : undefined;
  return { version, name, location, up, ...(verify ? { verify } : {}), dataModule: true };
}
