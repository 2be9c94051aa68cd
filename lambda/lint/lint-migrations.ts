import type { Executor } from '../driver/driver';
import type { BundledScript, MigrationBundle } from '../migrations/bundle';
import { VERSION_PATTERN, compareVersions } from '../migrations/compare-versions';
import { decodeSqlFile } from '../migrations/decode-sql-file';
import type { MigrationSource } from '../migrations/migration-source';
import { readNativeLayout } from '../migrations/readers/native-layout';
import type { Log } from '../observability/log';
import { readColumnTypes, readTableSizes } from './database-context';
import { resolveLintConfig, type LintConfig } from './lint-config';
import type { LintFinding, LintReport, SizeExemption } from './lint-finding';
import { lintFile, type FileLintResult } from './lint-file';
import { SchemaKnowledge } from './migration-state';
import { relationKey, type RelationRef } from './relation-name';
import { loadLinter } from './sql-parser';
import { TableSizes } from './table-sizes';

/** One migration file to lint: its name (as findings will carry it) and its SQL text. */
export interface LintSource {
  /** e.g. `0022_add_ocr_indexes/up.sql`; the migration version is read from the `<version>_` folder name. */
  readonly file: string;
  readonly sql: string;
}

export interface LintMigrationsOptions {
  readonly config?: LintConfig;
  /**
   * A connection to the target database (any driver, or an open transaction): table sizes come
   * from `pg_class.reltuples`, so size-sensitive findings on tables under `smallTableRows` rows are
   * dropped (and listed in `report.exemptions`), and current column types let type changes be judged.
   * Only catalog queries are run.
   */
  readonly driver?: Executor;
  /** Estimated rows per table, keyed `name` or `schema.name`; wins over the database's estimate. */
  readonly tableSizes?: ReadonlyMap<string, number>;
  /**
   * Migrations at or below this version are read for context only (the tables, columns and
   * constraints they create) and not reported: lint what is pending, not what is long applied.
   */
  readonly baseline?: string;
  readonly log?: Log;
}

/** One unit of linting: a migration's up script. */
interface LintUnit {
  readonly file: string;
  readonly sql: string;
  readonly version?: string;
  readonly transactional?: boolean;
}

const VERSION_IN_PATH = /(?:^|[\\/])(\d+(?:\.\d+)*)_[^\\/]*[\\/][^\\/]+$/;

function isBundle(input: MigrationBundle | readonly LintSource[]): input is MigrationBundle {
  return !Array.isArray(input) && typeof input === 'object' && input !== null && 'migrations' in input;
}

/**
 * A bundled script back as text, each statement on the line it was on in the file, so findings
 * carry the file's line numbers. Comments before statements are not in the bundle, so suppression
 * comments there are lost: lint the files (see {@link lintMigrationsFolder}) when they matter.
 */
export function scriptText(script: BundledScript): string {
  let text = '';
  let line = 1;
  for (const statement of script.statements) {
    if (line < statement.line) {
      text += '\n'.repeat(statement.line - line);
      line = statement.line;
    } else if (text !== '') text += ' ';
    const lastLine = statement.sql.slice(statement.sql.lastIndexOf('\n') + 1);
    const terminator = lastLine.includes('--') ? '\n;' : ';';
    text += `${statement.sql}${terminator}`;
    line += (statement.sql.match(/\n/g)?.length ?? 0) + (terminator === ';' ? 0 : 1);
  }
  return text;
}

function unitsOf(input: MigrationBundle | readonly LintSource[]): LintUnit[] {
  if (isBundle(input)) {
    return input.migrations.map((m) => ({ file: m.up.file, sql: scriptText(m.up), version: m.version, transactional: m.transactional }));
  }
  return input.map((source, i) => {
    if (typeof source?.file !== 'string' || typeof source.sql !== 'string') {
      throw new Error(`lintMigrations: source ${i} must be { file: string, sql: string }`);
    }
    const version = VERSION_IN_PATH.exec(source.file)?.[1];
    return version === undefined ? { file: source.file, sql: source.sql } : { file: source.file, sql: source.sql, version };
  });
}

function dedupe<T>(items: readonly T[], key: (item: T) => string): T[] {
  const seen = new Map<string, T>();
  for (const item of items) if (!seen.has(key(item))) seen.set(key(item), item);
  return [...seen.values()];
}

/**
 * Lints migrations in order, carrying what each creates into the next (column types, constraints),
 * and what each migration creates into its own later statements (no finding for an index on a table
 * created in the same migration).
 *
 * - `input`: a compiled bundle (its up scripts; suppression comments before statements are not in a
 *   bundle) or files in the order they run (typically each migration's `up.sql`).
 * - With `options.driver`, linting runs twice: the first pass finds the tables whose size decides a
 *   finding and the columns whose current type does, the database is asked (two catalog queries per
 *   100 names), and the second pass applies what it said.
 *
 * Never throws on SQL (bad SQL is a `syntax-error` finding).
 * @throws {LintConfigError} for a bad `config`
 * @throws {Error} for a malformed `baseline`, a file without a `<version>_` folder when a baseline
 *   is given, or a bad `tableSizes` entry, naming it
 * @throws {DatabaseError | DriverError} when the catalog queries fail
 */
export async function lintMigrations(input: MigrationBundle | readonly LintSource[], options: LintMigrationsOptions = {}): Promise<LintReport> {
  await loadLinter();
  const config = resolveLintConfig(options.config);
  const units = unitsOf(input);
  const { baseline } = options;
  if (baseline !== undefined && !VERSION_PATTERN.test(baseline)) {
    throw new Error(`lintMigrations: baseline "${baseline}" is not a version (digit groups separated by dots, e.g. 0022 or 1.2.1)`);
  }
  const reported = (unit: LintUnit): boolean => {
    if (baseline === undefined) return true;
    if (unit.version === undefined) {
      throw new Error(`lintMigrations: cannot tell the version of ${unit.file} to compare with baseline ${baseline}: expected a <version>_<name>/ folder`);
    }
    return compareVersions(unit.version, baseline) > 0;
  };

  const sizes = new TableSizes(options.tableSizes);
  const run = (knowledge: SchemaKnowledge): FileLintResult[] =>
    units.map((unit) =>
      lintFile({ file: unit.file, sql: unit.sql, config, knowledge, sizes, ...(unit.transactional === undefined ? {} : { transactional: unit.transactional }) }),
    );

  let results = run(new SchemaKnowledge());
  if (options.driver) {
    const relevant = results.filter((_, i) => reported(units[i]!));
    const relations = dedupe(relevant.flatMap((r) => r.unknownSizes), relationKey);
    const columns = dedupe(relevant.flatMap((r) => r.unknownColumnTypes), (c) => `${relationKey(c.table)}\u0000${c.column}`);
    if (relations.length > 0 || columns.length > 0) {
      const knowledge = await readDatabase(options.driver, relations, columns, sizes);
      options.log?.info('lint: read table sizes and column types', { relations: relations.length, columns: columns.length });
      results = run(knowledge);
    }
  }

  const findings: LintFinding[] = [];
  const exemptions: SizeExemption[] = [];
  const files: string[] = [];
  results.forEach((result, i) => {
    if (!reported(units[i]!)) return;
    files.push(units[i]!.file);
    findings.push(...result.findings);
    exemptions.push(...result.exemptions);
  });
  return {
    findings,
    errorCount: findings.filter((f) => f.severity === 'error').length,
    warningCount: findings.filter((f) => f.severity === 'warning').length,
    files,
    smallTableRows: config.smallTableRows,
    tableSizes: sizes.assumptions(),
    exemptions,
  };
}

async function readDatabase(
  executor: Executor,
  relations: RelationRef[],
  columns: Array<{ table: RelationRef; column: string }>,
  sizes: TableSizes,
): Promise<SchemaKnowledge> {
  const rows = await readTableSizes(executor, relations);
  relations.forEach((relation, i) => sizes.setFromDatabase(relation, rows[i] ?? null));
  const knowledge = new SchemaKnowledge();
  const types = await readColumnTypes(executor, columns);
  columns.forEach(({ table, column }, i) => {
    const type = types[i];
    if (type) knowledge.setColumnType(table, column, type);
  });
  return knowledge;
}

/**
 * Reads a native-layout migrations folder (`<version>_<name>/up.sql`, see `migrations/readers/native-layout.ts`)
 * and lints every up script in version order, comments and suppressions included. Data migrations
 * (`up.ts` modules) have no SQL to lint and are left out.
 * @throws {MigrationCompileError} when the folder breaks the layout or a file is not UTF-8
 * @throws as {@link lintMigrations}
 */
export async function lintMigrationsFolder(dir: string, options: LintMigrationsOptions = {}): Promise<LintReport> {
  const migrations: MigrationSource[] = await readNativeLayout(dir);
  migrations.sort((a, b) => compareVersions(a.version, b.version));
  const sources = migrations.filter((m) => !m.dataModule).map((m) => ({ file: m.up.file, sql: decodeSqlFile(m.up) }));
  return lintMigrations(sources, options);
}
