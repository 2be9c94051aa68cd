import { MigrationCompileError } from '../compile-error';
import { decodeSqlFile } from '../decode-sql-file';
import type { MigrationSource, SourceFile } from '../migration-source';
import { splitDbmateSections, type DbmateSection } from './dbmate-sections';
import { isNote, readSourceFile, requireFolder, visibleEntries } from './folder-entries';

/**
 * Reader of dbmate's layout (github.com/amacneil/dbmate):
 *
 *     migrations/
 *       20240101120000_create_authors.sql     -- migrate:up ... -- migrate:down ...
 *
 * Rules, each failing with a {@link MigrationCompileError} that names the path (and line):
 * - every file is `<version>_<name>.sql`, the version digits only, the name not empty (what
 *   `dbmate new <name>` writes); Markdown notes are allowed, sub-folders are not;
 * - each file's sections follow `dbmate-sections.ts`; the up section is the migration's up script
 *   and the down section its down script, each checksummed on its own bytes (marker line included)
 *   with lines numbered as in the file;
 * - `transaction:false` on the up marker is the directive `transaction=off`; on the down marker it
 *   is accepted and changes nothing (rds-migrate runs a down script in one transaction unless one
 *   of its statements cannot run in one);
 * - a down section without statements (or none at all) leaves the migration irreversible;
 * - no verify scripts: dbmate has none.
 */

/** A dbmate migration file name, as `dbmate new` writes it. */
export const DBMATE_FILE_NAME = /^(\d+)_(.+)\.sql$/;

/**
 * Reads a dbmate migrations folder.
 * @param dir the migrations folder (named in errors as given)
 * @returns one source per file, in file-name order (the compiler sorts by version)
 * @throws {MigrationCompileError} when `dir` is missing or not a folder, or breaks a rule above
 */
export async function readDbmateLayout(dir: string): Promise<MigrationSource[]> {
  await requireFolder(dir);
  const sources: MigrationSource[] = [];
  for (const entry of await visibleEntries(dir)) {
    if (!entry.isDirectory && isNote(entry.name)) continue;
    const match = entry.isDirectory ? null : DBMATE_FILE_NAME.exec(entry.name);
    if (!match) {
      throw new MigrationCompileError(
        `unexpected ${entry.isDirectory ? 'folder' : 'file'} in a dbmate migrations folder: expected <version>_<name>.sql ` +
          '(version digits only) holding "-- migrate:up" and "-- migrate:down" sections, e.g. 20240101120000_create_users.sql',
        entry.path,
      );
    }
    const [, version, name] = match as unknown as [string, string, string];
    sources.push(migrationOf(version, name, await readSourceFile(dir, entry.name)));
  }
  return sources;
}

function migrationOf(version: string, name: string, file: SourceFile): MigrationSource {
  const text = decodeSqlFile(file);
  const { up, down } = splitDbmateSections(text, file.path);
  return {
    version,
    name,
    location: file.path,
    up: section(file, text, up),
    ...(down ? { down: { ...section(file, text, down), absentWhenEmpty: true } } : {}),
    ...(up.transaction !== undefined
      ? { layoutDirectives: { directives: { transaction: up.transaction }, text: up.optionsText, path: file.path, line: up.line } }
      : {}),
  };
}

/** The section's bytes as a script of its own, its lines numbered as in the file. */
function section(file: SourceFile, text: string, { start, end, line }: DbmateSection): SourceFile {
  const startByte = Buffer.byteLength(text.slice(0, start), 'utf8');
  const endByte = startByte + Buffer.byteLength(text.slice(start, end), 'utf8');
  return { file: file.file, path: file.path, bytes: file.bytes.subarray(startByte, endByte), firstLine: line };
}
