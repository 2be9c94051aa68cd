import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { MigrationCompileError } from '../compile-error';
import type { SourceFile } from '../migration-source';

/**
 * File system access shared by the readers, each failure a {@link MigrationCompileError} naming the
 * path. Names starting with `.` (`.DS_Store`, `.gitkeep`) are ignored; symbolic links are followed.
 */

/** One visible entry of a folder. */
export interface FolderEntry {
  readonly name: string;
  /** The folder as given, joined with `name`. */
  readonly path: string;
  readonly isDirectory: boolean;
}

/**
 * Checks that `dir` is a readable folder.
 * @throws {MigrationCompileError} `migrations folder not found`, `is not a folder`, or `cannot be read (<code>)`
 */
export async function requireFolder(dir: string): Promise<void> {
  const info = await stat(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') throw new MigrationCompileError('migrations folder not found', dir);
    throw new MigrationCompileError(`cannot be read (${error.code ?? error.message})`, dir);
  });
  if (!info.isDirectory()) throw new MigrationCompileError('is not a folder: expected the migrations folder', dir);
}

/** Runs a file system call, turning its failure (a broken link, no permission) into an error naming the path. */
export async function readable<T>(target: string, call: (target: string) => Promise<T>): Promise<T> {
  try {
    return await call(target);
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    throw new MigrationCompileError(`cannot be read (${code ?? message})`, target);
  }
}

/** Entry names not starting with `.`, sorted by name so the result does not depend on the file system's order. */
export async function visibleNames(dir: string): Promise<string[]> {
  const names = await readable(dir, (p) => readdir(p));
  return names.filter((n) => !n.startsWith('.')).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** {@link visibleNames} with whether each is a folder (links followed). */
export async function visibleEntries(dir: string): Promise<FolderEntry[]> {
  const entries: FolderEntry[] = [];
  for (const name of await visibleNames(dir)) {
    const entryPath = path.join(dir, name);
    entries.push({ name, path: entryPath, isDirectory: (await readable(entryPath, stat)).isDirectory() });
  }
  return entries;
}

/** True for Markdown notes (`*.md`), which every layout allows beside the migrations. */
export function isNote(name: string): boolean {
  return name.toLowerCase().endsWith('.md');
}

/**
 * Reads one SQL file of the migrations folder.
 * @param dir the migrations folder as given
 * @param file path relative to `dir` with `/` separators (recorded in the bundle)
 */
export async function readSourceFile(dir: string, file: string): Promise<SourceFile> {
  const filePath = path.join(dir, ...file.split('/'));
  return { file, path: filePath, bytes: await readable(filePath, (p) => readFile(p)) };
}
