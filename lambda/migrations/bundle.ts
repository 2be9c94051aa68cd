/**
 * The migration bundle: the migrations folder compiled at bundle time (`cdk synth`, or the CLI
 * reading a folder) into JSON that the function loads without the SQL parser.
 *
 * Native folder layout (one folder per version, after Sqitch's deploy/revert/verify):
 *
 *     migrations/
 *       0022_add_ocr_indexes/
 *         up.sql       required: the change
 *         down.sql     optional: reverts it (a migration without one is irreversible)
 *         verify.sql   optional: proves it (see lambda/verify for the pass/fail rule)
 *
 * The folder name is `<version>_<name>`: version digits with optional dots (`0022`, `1.2.1`),
 * compared numerically part by part; name letters, digits, `_` or `-`.
 */

/** One SQL statement of a script, as the PostgreSQL parser delimited it. */
export interface BundledStatement {
  /** The statement text without its trailing semicolon (comments before it are dropped). */
  readonly sql: string;
  /** 1-based line in the file where the statement starts. */
  readonly line: number;
  /**
   * True when PostgreSQL refuses to run it inside a transaction block (CREATE/DROP INDEX
   * CONCURRENTLY, REINDEX CONCURRENTLY, VACUUM, ALTER SYSTEM, CREATE DATABASE, ...).
   */
  readonly nonTransactional: boolean;
}

/** One SQL file, split into statements. */
export interface BundledScript {
  /** Path relative to the migrations folder, e.g. `0022_add_ocr_indexes/up.sql`. */
  readonly file: string;
  /** sha256 (hex) of the file's bytes. */
  readonly checksum: string;
  readonly statements: BundledStatement[];
}

export interface BundledMigration {
  /** Version as written in the folder name, e.g. `0022`. */
  readonly version: string;
  /** Name from the folder name, e.g. `add_ocr_indexes`. */
  readonly name: string;
  /** The migration's checksum, recorded in the schema history: the up script's checksum. */
  readonly checksum: string;
  /** False when any up statement must run outside a transaction. */
  readonly transactional: boolean;
  readonly up: BundledScript;
  readonly down?: BundledScript;
  readonly verify?: BundledScript;
}

export interface MigrationBundle {
  /** Format of this JSON; bumped on incompatible changes. */
  readonly formatVersion: 1;
  /** sha256 (hex) over every migration's version, name and script checksums: changes when any file does. */
  readonly checksum: string;
  /** Migrations in ascending version order. */
  readonly migrations: BundledMigration[];
}

/** File name of the bundle inside the function's asset (next to `index.js`). */
export const BUNDLE_FILE_NAME = 'migrations.json';
