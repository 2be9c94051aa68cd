/**
 * The error every part of the migration compiler throws for bad input: a migrations folder, a SQL
 * file or a bundle JSON that cannot be used. The message starts with the place at fault in the
 * usual compiler form (`path:line:column: ...`), so editors and CI logs link to it.
 */
export class MigrationCompileError extends Error {
  override readonly name = 'MigrationCompileError';

  /**
   * @param reason what is wrong and, where it helps, how to fix it
   * @param file the path at fault (a folder, a SQL file, or `migrations.json`)
   * @param line 1-based line in `file`, when the fault is inside a file
   * @param column 1-based column (in characters) on `line`, when known
   */
  constructor(
    readonly reason: string,
    readonly file: string,
    readonly line?: number,
    readonly column?: number,
  ) {
    super(`${formatLocation(file, line, column)}: ${reason}`);
  }
}

/** `file`, `file:line` or `file:line:column`. */
export function formatLocation(file: string, line?: number, column?: number): string {
  if (line === undefined) return file;
  return column === undefined ? `${file}:${line}` : `${file}:${line}:${column}`;
}
