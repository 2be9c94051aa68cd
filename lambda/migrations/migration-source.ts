/**
 * What a migrations-folder reader hands the compiler: each migration's version, name and raw SQL
 * bytes, before any decoding or parsing. One reader per folder layout (`readers/`: native,
 * golang-migrate, Flyway, dbmate; see `bundle.ts`) feeds the same compiler.
 */
import type { MigrationDirectives } from './bundle';
import type { MigrationLayout } from './readers/layouts';

/** One SQL script as read from disk: a whole file, or a section of one (dbmate). */
export interface SourceFile {
  /** Path relative to the migrations folder with `/` separators, recorded in the bundle: `0022_add_ocr_indexes/up.sql`. */
  readonly file: string;
  /** Path named in errors: the migrations folder as the user gave it, joined with `file`. */
  readonly path: string;
  /** The script's bytes, exactly as stored (the checksum is over these). */
  readonly bytes: Uint8Array;
  /**
   * 1-based line of `path` where `bytes` begin, when they are a section of a larger file (dbmate's
   * `-- migrate:down` block), so that statement lines and errors name lines of the file. @default 1
   */
  readonly firstLine?: number;
  /**
   * The script may wrap its whole content in `BEGIN; ... COMMIT;` (golang-migrate's convention);
   * the compiler drops the wrapper. @default false: any transaction control is an error
   */
  readonly allowsTransactionWrapper?: boolean;
  /**
   * A script of only comments and whitespace counts as absent (dbmate's empty `-- migrate:down`
   * block: the migration is irreversible). @default false
   */
  readonly absentWhenEmpty?: boolean;
}

/** Directives a layout states outside the SQL header (dbmate's `transaction:false`, a Flyway `.sql.conf`). */
export interface LayoutDirectives {
  readonly directives: MigrationDirectives;
  /** How they are written, for errors: `transaction:false`, `executeInTransaction=false`. */
  readonly text: string;
  /** The file that states them, as named in errors. */
  readonly path: string;
  /** 1-based line in `path`. */
  readonly line: number;
}

/** One migration as a reader found it. */
export interface MigrationSource {
  /** Version as written, digit groups separated by dots: `0022`, `1.2.1`. */
  readonly version: string;
  /** Name, e.g. `add_ocr_indexes`. */
  readonly name: string;
  /** Where the migration is defined (its folder or main file), named in errors. */
  readonly location: string;
  /** The up script; with `dataModule`, the data migration module's TypeScript source (`up.ts`). */
  readonly up: SourceFile;
  readonly down?: SourceFile;
  readonly verify?: SourceFile;
  /** Directives from the layout, merged with the up script's `-- rds-migrate:` header (they must agree). */
  readonly layoutDirectives?: LayoutDirectives;
  /**
   * `up` is a TypeScript data migration module (native `up.ts`, see `bundle.ts`), not SQL: the
   * compiler bundles it (`data-modules.ts`) instead of parsing it. @default false
   */
  readonly dataModule?: boolean;
}

/** One repeatable migration (Flyway `R__<description>.sql`) as a reader found it. */
export interface RepeatableSource {
  /** The description as written, e.g. `refresh_views`. */
  readonly name: string;
  /** Its file, named in errors. */
  readonly location: string;
  readonly up: SourceFile;
  readonly layoutDirectives?: LayoutDirectives;
}

/** Everything a reader found in a migrations folder. */
export interface FolderSources {
  readonly layout: MigrationLayout;
  /** Versioned migrations in any order (the compiler sorts them and rejects duplicate versions). */
  readonly migrations: MigrationSource[];
  /** Repeatable migrations in any order (the compiler sorts them). Empty except for Flyway. */
  readonly repeatables: RepeatableSource[];
}

/**
 * Reads one folder layout of versioned migrations only.
 * @param dir the migrations folder
 * @returns the migrations in any order (the compiler sorts them and rejects duplicate versions)
 * @throws {MigrationCompileError} naming the path at fault when the folder does not follow the layout
 */
export type MigrationReader = (dir: string) => Promise<MigrationSource[]>;
