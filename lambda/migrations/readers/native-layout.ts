import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { MigrationCompileError } from '../compile-error';
import type { MigrationSource, SourceFile } from '../migration-source';

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

const FOLDER_NAME = /^(\d+(?:\.\d+)*)_([A-Za-z0-9_-]+)$/;
const SCRIPT_FILES = ['up.sql', 'down.sql', 'verify.sql'] as const;

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
    const entryPath = path.join(dir, entry);
    if (!(await readable(entryPath, stat)).isDirectory()) {
      if (entry.toLowerCase().endsWith('.md')) continue;
      throw new MigrationCompileError(
        'unexpected file in the migrations folder: each migration is a folder <version>_<name>/ holding up.sql ' +
          '(and optionally down.sql, verify.sql), e.g. 0001_create_users/up.sql',
        entryPath,
      );
    }
    sources.push(await readMigrationFolder(dir, entry));
  }
  return sources;
}

async function readMigrationFolder(dir: string, folder: string): Promise<MigrationSource> {
  const location = path.join(dir, folder);
  const match = FOLDER_NAME.exec(folder);
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
    const isFile = (await readable(path.join(location, entry), stat)).isFile();
    if (!isFile || !(SCRIPT_FILES as readonly string[]).includes(entry)) {
      throw new MigrationCompileError(
        `unknown ${isFile ? 'file' : 'entry'} "${entry}" in migration folder: a migration folder holds only up.sql, down.sql and verify.sql`,
        path.join(location, entry),
      );
    }
    present.add(entry);
  }
  if (!present.has('up.sql')) {
    throw new MigrationCompileError('migration folder has no up.sql (the migration\'s change, required)', location);
  }

  const read = async (script: string): Promise<SourceFile | undefined> => {
    if (!present.has(script)) return undefined;
    const filePath = path.join(location, script);
    return { file: `${folder}/${script}`, path: filePath, bytes: await readable(filePath, (p) => readFile(p)) };
  };
  const [up, down, verify] = await Promise.all(SCRIPT_FILES.map(read));
  return {
    version,
    name,
    location,
    up: up as SourceFile,
    ...(down ? { down } : {}),
    ...(verify ? { verify } : {}),
  };
}

async function requireFolder(dir: string): Promise<void> {
  const info = await stat(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') throw new MigrationCompileError('migrations folder not found', dir);
    throw new MigrationCompileError(`cannot be read (${error.code ?? error.message})`, dir);
  });
  if (!info.isDirectory()) throw new MigrationCompileError('is not a folder: expected the migrations folder', dir);
}

/** Runs a file system call, turning its failure (a broken link, no permission) into an error naming the path. */
async function readable<T>(target: string, call: (target: string) => Promise<T>): Promise<T> {
  try {
    return await call(target);
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    throw new MigrationCompileError(`cannot be read (${code ?? message})`, target);
  }
}

/** Entry names not starting with `.`, sorted by name so the result does not depend on the file system's order. */
async function visibleEntries(dir: string): Promise<string[]> {
  const names = await readable(dir, (p) => readdir(p));
  return names.filter((n) => !n.startsWith('.')).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
