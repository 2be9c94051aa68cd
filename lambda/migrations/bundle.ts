/**
 * The migration bundle: the migrations folder compiled at bundle time (`cdk synth`, or the CLI
 * reading a folder) into JSON that the function loads without the SQL parser.
 *
 * ## Layouts
 *
 * A migrations folder holds ONE of four layouts, detected from its entries (a folder mixing them is
 * refused, naming an entry of each), or named explicitly (`layout` option of `compileMigrations`,
 * `--layout` of compile-cli). Versions are digit groups with optional dots, compared numerically
 * part by part (`2` < `10`, `1.2` < `1.10`; `1`, `01` and `1.0` are the same version).
 *
 * - `native`: one folder per version, `<version>_<name>/` (after Sqitch's deploy/revert/verify):
 *
 *       migrations/
 *         0022_add_ocr_indexes/
 *           up.sql       required: the change
 *           down.sql     optional: reverts it (a migration without one is irreversible)
 *           verify.sql   optional: proves it (see lambda/verify for the pass/fail rule)
 *
 *   The name is letters, digits, `_` or `-`. Instead of `up.sql` a folder may hold `up.ts`, a
 *   TypeScript **data migration** (`lambda/engine/data/data-migration.ts`): a module exporting
 *   `up(ctx)` and optionally `down(ctx)` (then it can be rolled back). Next to `up.ts`, `verify.sql`
 *   is allowed, `up.sql` and `down.sql` are not (the module's `down` reverts it). At bundle time the
 *   module is bundled by esbuild, every import inlined, into `data/<version>_<name>.mjs` next to
 *   `migrations.json` ({@link DataMigrationRef}; `data-modules.ts`).
 * - `golang-migrate`: `<version>_<name>.up.sql` and optionally `<version>_<name>.down.sql`, the
 *   version digits only (golang-migrate's `^([0-9]+)_(.*)\.(up|down)\.(.*)$`, `.sql` files only), all
 *   at the top level. A script may wrap its whole content in `BEGIN; ... COMMIT;` as golang-migrate's
 *   PostgreSQL tutorial does: the wrapper is dropped (rds-migrate runs the migration in one
 *   transaction itself); any other transaction control is refused as in every layout.
 * - `flyway`: `V<version>__<description>.sql` (versioned), `U<version>__<description>.sql` (undo: the
 *   down script of the `V` file with the same version), `R__<description>.sql` (repeatable), in the
 *   folder and its sub-folders. Underscores separate version parts (`V1_1__x.sql` is version `1.1`,
 *   recorded as `1.1`), dots too (`V1.2.3__x.sql`). Prefixes are upper case, as Flyway matches them.
 *   A script configuration file `<script>.sql.conf` may say `executeInTransaction=false` (read as
 *   `transaction=off`). Refused: Flyway placeholders (`${name}`), which rds-migrate does not
 *   substitute, callbacks (`beforeMigrate.sql`, ...) and baseline migrations (`B<version>__`).
 * - `dbmate`: one file per version, `<version>_<name>.sql`, with a `-- migrate:up` section and an
 *   optional `-- migrate:down` section after it (markers at the start of a line, as dbmate reads
 *   them; only comments may come before `-- migrate:up`). dbmate's `transaction:false` on a marker
 *   line is read as `transaction=off` for the up section. A down section without any statement
 *   means the migration is irreversible (rds-migrate does not record a rollback that changed nothing).
 *   Each section is checksummed on its own bytes (marker line included), so editing the down section
 *   does not change the migration's checksum.
 *
 * Only the native layout has verify scripts (golang-migrate, Flyway and dbmate have none).
 *
 * ## Repeatable migrations
 *
 * Flyway's `R__<description>.sql` files are compiled into {@link MigrationBundle.repeatables},
 * ordered by description as Flyway orders them. They are meant to run after the versioned
 * migrations, each time its checksum differs from the one last applied (views, functions, grants
 * written `CREATE OR REPLACE`).
 *
 * ## Directives
 *
 * A migration may set how it runs in `-- rds-migrate:` line comments at the top of its up script,
 * before the first statement (several such lines are allowed):
 *
 *     -- rds-migrate: transaction=off lock_timeout=10s statement_timeout=5min retries=5
 *
 * Whitespace-separated `key=value` pairs, each key at most once per migration:
 * - `transaction=on|off`: `off` runs the migration statement by statement, each statement in a
 *   transaction of its own with its progress, resumable at the failed statement; `on` insists on one
 *   transaction, so a statement that cannot run in one (CREATE INDEX CONCURRENTLY, ...) is an error.
 *   Without it, a migration runs in one transaction unless its statements cannot.
 * - `lock_timeout=<duration>`, `statement_timeout=<duration>`: PostgreSQL's settings of the same
 *   name for the migration's transactions (docs: 20.11.1 "Statement Behavior"); a whole number with
 *   a unit `ms`, `s`, `min` or `h` (PostgreSQL's time units); 0 disables; at most 2147483647 ms.
 *   Refused on a migration with no statement that runs in a transaction, where they cannot apply.
 * - `retries=<n>`: retries after a lock timeout, 0 to 100.
 * Directives in down, verify scripts or after the first statement are errors, as are unknown keys
 * and malformed values (each naming `file:line:column`).
 */

import type { MigrationTouches } from '../snapshot/scope/migration-touches';

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

/** One SQL file (or, for dbmate, one section of a file), split into statements. */
export interface BundledScript {
  /**
   * Path relative to the migrations folder, e.g. `0022_add_ocr_indexes/up.sql`,
   * `V22__add_ocr_indexes.sql`; for dbmate both sections name the one file.
   */
  readonly file: string;
  /** sha256 (hex) of the script's bytes (a dbmate section's bytes, marker line included). */
  readonly checksum: string;
  readonly statements: BundledStatement[];
}

/** How a migration asked to be run (see "Directives" above); absent fields take the runner's defaults. */
export interface MigrationDirectives {
  /** `transaction=on` (true) or `off` (false). */
  readonly transaction?: boolean;
  /** `lock_timeout`, ms (0 disables). */
  readonly lockTimeoutMs?: number;
  /** `statement_timeout`, ms (0 disables). */
  readonly statementTimeoutMs?: number;
  /** Retries after a lock timeout. */
  readonly retries?: number;
}

/**
 * The bundle's reference to a data migration's module (`BundledMigration.data`), written by the
 * compiler (`data-modules.ts`) and resolved at run time by the run's `DataMigrationLoader`
 * (`lambda/engine/data/module-loader.ts`: relative to the folder of `migrations.json`).
 */
export interface DataMigrationRef {
  /**
   * The bundled module (ESM), relative to the bundle's folder with `/` separators, never leaving it:
   * `data/<version>_<name>.mjs`, e.g. `data/0042_backfill_amount_cents.mjs`.
   */
  readonly module: string;
  /** True when the module exports `down` (the migration can be rolled back). @default false */
  readonly down?: boolean;
}

export interface BundledMigration {
  /** Version as written in the file or folder name, e.g. `0022` (Flyway's `V1_1` is written `1.1`). */
  readonly version: string;
  /** Name from the file or folder name, e.g. `add_ocr_indexes` (Flyway: the description as written). */
  readonly name: string;
  /**
   * The migration's checksum, recorded in the schema history: the up script's checksum (for a data
   * migration, of the `up.ts` source bytes).
   */
  readonly checksum: string;
  /**
   * False when any up statement must run outside a transaction, or the migration says
   * `transaction=off`: it then runs statement by statement. Always false for a data migration.
   */
  readonly transactional: boolean;
  /** The migration's directives, when it gives any (never for a data migration). */
  readonly directives?: MigrationDirectives;
  /**
   * The up script. For a data migration: its module's source (`file` e.g. `0042_backfill/up.ts`,
   * `checksum` of the source bytes) with no statements.
   */
  readonly up: BundledScript;
  /** The down script (never for a data migration: its module's `down` reverts it). */
  readonly down?: BundledScript;
  readonly verify?: BundledScript;
  /** Set for a TypeScript data migration (native `up.ts`): its bundled module. */
  readonly data?: DataMigrationRef;
  /**
   * What the up script changes, found at bundle time with the PostgreSQL parser
   * (`migrations/record-touches.ts`), for the `affected` snapshot scope: the relations it writes to or
   * alters, or `unknown` with the reason. Absent in bundles compiled before it was recorded (the scope
   * is then full). Not covered by the bundle checksum: it is derived from the up script, which is.
   */
  readonly touches?: MigrationTouches;
}

/**
 * A repeatable migration (Flyway `R__<description>.sql`): no version; meant to run after the
 * versioned migrations whenever its checksum differs from the one last applied.
 */
export interface BundledRepeatable {
  /** The description as written in the file name, e.g. `refresh_reporting_views`. */
  readonly name: string;
  /** sha256 (hex) of the script's bytes: the one to record when it is applied. */
  readonly checksum: string;
  /** As {@link BundledMigration.transactional}. */
  readonly transactional: boolean;
  readonly directives?: MigrationDirectives;
  readonly up: BundledScript;
}

export interface MigrationBundle {
  /** Format of this JSON; bumped on incompatible changes. */
  readonly formatVersion: 1;
  /**
   * sha256 (hex) over every migration's version, name, script checksums and directives, and every
   * repeatable's name and checksum (`checksum.ts`): changes when any file does.
   */
  readonly checksum: string;
  /** Migrations in ascending version order. */
  readonly migrations: BundledMigration[];
  /**
   * Repeatable migrations (Flyway layout only; absent when there are none), ordered as Flyway orders
   * them: by description, `_` read as a space (`repeatable-order.ts`).
   */
  readonly repeatables?: BundledRepeatable[];
}

/** File name of the bundle inside the function's asset (next to `index.js`). */
export const BUNDLE_FILE_NAME = 'migrations.json';
