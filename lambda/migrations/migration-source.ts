/**
 * What a migrations-folder reader hands the compiler: each migration's version, name and raw SQL
 * file bytes, before any decoding or parsing. One reader per folder layout (the native
 * `<version>_<name>/{up,down,verify}.sql` layout in `readers/native-layout.ts`; golang-migrate,
 * Flyway or dbmate layouts can be added as further readers) feeds the same compiler.
 */

/** One SQL file as read from disk. */
export interface SourceFile {
  /** Path relative to the migrations folder with `/` separators, recorded in the bundle: `0022_add_ocr_indexes/up.sql`. */
  readonly file: string;
  /** Path named in errors: the migrations folder as the user gave it, joined with `file`. */
  readonly path: string;
  /** The file's bytes, exactly as stored (the checksum is over these). */
  readonly bytes: Uint8Array;
}

/** One migration as a reader found it. */
export interface MigrationSource {
  /** Version as written, digit groups separated by dots: `0022`, `1.2.1`. */
  readonly version: string;
  /** Name, e.g. `add_ocr_indexes`. */
  readonly name: string;
  /** Where the migration is defined (its folder or main file), named in errors. */
  readonly location: string;
  readonly up: SourceFile;
  readonly down?: SourceFile;
  readonly verify?: SourceFile;
}

/**
 * Reads one folder layout.
 * @param dir the migrations folder
 * @returns the migrations in any order (the compiler sorts them and rejects duplicate versions)
 * @throws {MigrationCompileError} naming the path at fault when the folder does not follow the layout
 */
export type MigrationReader = (dir: string) => Promise<MigrationSource[]>;
