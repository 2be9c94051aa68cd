import type { BundledMigration, BundledRepeatable, BundledScript, DataMigrationRef, MigrationBundle } from './bundle';
import { bundleChecksum, sha256Hex } from './checksum';
import { compareVersions } from './compare-versions';
import { MigrationCompileError } from './compile-error';
import { compileScript, type CompiledScript } from './compile-script';
import { bundleDataModules } from './data-modules';
import { rejectNonTransactionalInWrapper, resolveRunMode } from './migration-directives';
import type { MigrationReader, MigrationSource, RepeatableSource, SourceFile } from './migration-source';
import type { MigrationLayout } from './readers/layouts';
import { readMigrationsFolder } from './readers/read-folder';
import { recordTouches } from './record-touches';
import { compareRepeatables } from './repeatable-order';
import { loadSqlParser } from './sql-parser';

export { DATA_API_MAX_SQL_CHARACTERS } from './compile-script';

export interface CompileOptions {
  /**
   * The folder's layout (`native`, `golang-migrate`, `flyway`, `dbmate`; see `bundle.ts`), or `auto`
   * to detect it from the entries' names (`readers/detect-layout.ts`). @default 'auto'
   */
  readonly layout?: MigrationLayout | 'auto';
  /** A reader of versioned migrations to use instead of the layouts' readers; `layout` is then ignored. */
  readonly reader?: MigrationReader;
  /**
   * The bundle's folder: TypeScript data migrations (native `up.ts`) are bundled by esbuild into its
   * `data/` folder (`data-modules.ts`), where the run's module loader finds them. Absent: they are
   * bundled in memory only (checked, their exports read), nothing is written. @default none
   */
  readonly dataOutDir?: string;
}

/**
 * Compiles a migrations folder into a {@link MigrationBundle}: reads it in its layout (detected
 * unless `options.layout` names it), then {@link compileSources}, then records on each versioned
 * migration what its up script touches (`record-touches.ts`, for the `affected` snapshot scope).
 * @param dir the migrations folder, named in errors as given
 * @throws {MigrationCompileError} for any bad input, naming the path (and line, column) at fault
 * @throws {Error} when `options.layout` is not a layout name
 */
export async function compileMigrations(dir: string, options: CompileOptions = {}): Promise<MigrationBundle> {
  await loadSqlParser();
  const { migrations, repeatables } = options.reader
    ? { migrations: await options.reader(dir), repeatables: [] }
    : await readMigrationsFolder(dir, { layout: options.layout ?? 'auto' });
  const dataModules = await bundleDataModules(dir, migrations, options.dataOutDir !== undefined ? { outDir: options.dataOutDir } : {});
  return recordTouches(compileSources(migrations, repeatables, dataModules));
}

/**
 * Compiles migrations a reader found: sorts them by version ({@link compareVersions}) and the
 * repeatable ones as Flyway does (`repeatable-order.ts`), splits every script into statements with
 * the PostgreSQL parser, reads each up script's `-- rds-migrate:` directives (`directives.ts`),
 * computes checksums (sha256 of each script's bytes; the bundle checksum from `checksum.ts`) and
 * whether each migration runs in one transaction (`migration-directives.ts`). A data migration
 * (`dataModule` source) is not parsed: its up script is its module's source, checksummed, and its
 * reference comes from `dataModules` (`bundleDataModules`, keyed by `up.file`).
 *
 * Rejected, with a {@link MigrationCompileError} naming the path, line and column where known:
 * - two migrations with the same version (`1` and `01`, `1` and `1.0`), two repeatables with the
 *   same description;
 * - a file that is not UTF-8, contains a NUL character, or has a syntax error;
 * - transaction control (BEGIN, COMMIT, ROLLBACK, SAVEPOINT, ...) in any script, except a
 *   golang-migrate script's whole-file `BEGIN; ... COMMIT;` wrapper;
 * - an up script without any statement;
 * - a script mixing statements PostgreSQL refuses inside a transaction block (CREATE INDEX
 *   CONCURRENTLY, VACUUM, ...) with other statements: the runner runs a script either in one
 *   transaction, or statement by statement when every statement needs that;
 * - a statement longer than the Data API accepts (`DATA_API_MAX_SQL_CHARACTERS`);
 * - a bad or misplaced directive, or directives that contradict the statements or the layout
 *   (`header-directives.ts`, `migration-directives.ts`).
 *
 * Requires the parser: call `await loadSqlParser()` first ({@link compileMigrations} does).
 */
export function compileSources(
  sources: readonly MigrationSource[],
  repeatableSources: readonly RepeatableSource[] = [],
  dataModules: ReadonlyMap<string, DataMigrationRef> = new Map(),
): MigrationBundle {
  const sorted = [...sources].sort((a, b) => compareVersions(a.version, b.version));
  for (let i = 1; i < sorted.length; i++) {
    const [previous, current] = [sorted[i - 1] as MigrationSource, sorted[i] as MigrationSource];
    if (compareVersions(previous.version, current.version) === 0) {
      throw new MigrationCompileError(
        `duplicate migration version: "${current.version}" is the same version as "${previous.version}" of ` +
          `${previous.location} (versions compare numerically, so leading zeros and trailing ".0" groups do not count); ` +
          'give one of them a new version',
        current.location,
      );
    }
  }
  const sortedRepeatables = [...repeatableSources].sort((a, b) => compareRepeatables(a.name, b.name));
  for (let i = 1; i < sortedRepeatables.length; i++) {
    const [previous, current] = [sortedRepeatables[i - 1] as RepeatableSource, sortedRepeatables[i] as RepeatableSource];
    if (compareRepeatables(previous.name, current.name) === 0) {
      throw new MigrationCompileError(
        `duplicate repeatable migration: "${current.name}" has the same description as "${previous.name}" of ${previous.location} ` +
          '(underscores read as spaces, as Flyway reads them); rename one of them',
        current.location,
      );
    }
  }
  const migrations = sorted.map((source) => (source.dataModule ? compileDataMigration(source, dataModules) : compileMigration(source)));
  const repeatables = sortedRepeatables.map(compileRepeatable);
  return {
    formatVersion: 1,
    checksum: bundleChecksum(migrations, repeatables),
    migrations,
    ...(repeatables.length > 0 ? { repeatables } : {}),
  };
}

function compileMigration(source: MigrationSource): BundledMigration {
  const up = compileUp(source.up, 'up');
  const down = source.down && optionalScript(source.down, 'down');
  const verify = source.verify && optionalScript(source.verify, 'verify');
  const { directives, transactional } = resolveRunMode(up, source.layoutDirectives);
  return {
    version: source.version,
    name: source.name,
    checksum: up.script.checksum,
    transactional,
    ...(directives ? { directives } : {}),
    up: up.script,
    ...(down ? { down } : {}),
    ...(verify ? { verify } : {}),
  };
}

/**
 * A data migration (native `up.ts`): its up script is the module's source, checksummed, with no
 * statements; never in one transaction; its verify script compiled as any other.
 * @throws {Error} when `dataModules` lacks its module (compile with `compileMigrations`, which bundles it)
 */
function compileDataMigration(source: MigrationSource, dataModules: ReadonlyMap<string, DataMigrationRef>): BundledMigration {
  const data = dataModules.get(source.up.file);
  if (!data) throw new Error(`no bundled module for the data migration ${source.up.path}: compile the folder with compileMigrations, which bundles it`);
  const checksum = sha256Hex(source.up.bytes);
  const verify = source.verify && optionalScript(source.verify, 'verify');
  return {
    version: source.version,
    name: source.name,
    checksum,
    transactional: false,
    up: { file: source.up.file, checksum, statements: [] },
    ...(verify ? { verify } : {}),
    data,
  };
}

function compileRepeatable(source: RepeatableSource): BundledRepeatable {
  const up = compileUp(source.up, 'repeatable');
  const { directives, transactional } = resolveRunMode(up, source.layoutDirectives);
  return { name: source.name, checksum: up.script.checksum, transactional, ...(directives ? { directives } : {}), up: up.script };
}

function compileUp(source: SourceFile, role: 'up' | 'repeatable'): CompiledScript {
  const up = compileScript(source, role);
  if (up.script.statements.length === 0) {
    const what = source.file.endsWith('/up.sql') || source.file === 'up.sql' ? 'up.sql' : role === 'up' ? 'the up script' : 'the repeatable migration';
    throw new MigrationCompileError(
      `${what} has no SQL statement (only comments or whitespace): write the change, or remove the migration`,
      source.path,
      source.firstLine,
    );
  }
  return up;
}

/** A down or verify script; undefined for an empty one the layout counts as absent (dbmate's empty down section). */
function optionalScript(source: SourceFile, role: 'down' | 'verify'): BundledScript | undefined {
  const compiled = compileScript(source, role);
  if (compiled.script.statements.length === 0 && source.absentWhenEmpty) return undefined;
  rejectNonTransactionalInWrapper(compiled);
  return compiled.script;
}
