import { resolveLintConfig, type LintConfig } from './lint-config';
import type { LintFinding } from './lint-finding';
import { lintFile } from './lint-file';
import { SchemaKnowledge } from './migration-state';
import { parseRelationKey } from './relation-name';
import { parseTypeName } from './sql-parser';
import { TableSizes } from './table-sizes';
import { typeSpecOf } from './type-spec';

export interface LintSqlOptions {
  /** The file name findings carry (e.g. `0022_add_ocr_indexes/up.sql`). */
  readonly file: string;
  /**
   * Tables created earlier in the same migration, as `name` or `schema.name`: an index on them
   * (or a constraint, a rewrite) is not flagged, they are new and empty. Tables the SQL itself
   * creates are known without this.
   */
  readonly createdTables?: Iterable<string>;
  /**
   * Estimated rows per table (or index), keyed `name` or `schema.name`: size-sensitive findings on
   * tables under `config.smallTableRows` rows are dropped.
   */
  readonly tableSizes?: ReadonlyMap<string, number>;
  readonly config?: LintConfig;
  /**
   * Current column types, keyed `table.column` or `schema.table.column`, valued as PostgreSQL
   * prints them (`format_type`: `character varying(20)`): lets `ban-table-rewriting-type-change`
   * tell a free change (varchar(20) → text) from a rewrite.
   */
  readonly columnTypes?: ReadonlyMap<string, string>;
  /**
   * Whether the runner wraps this file in one transaction. @default detected: false when a
   * statement cannot run in a transaction block (CREATE INDEX CONCURRENTLY, ...), true otherwise
   */
  readonly transactional?: boolean;
}

/**
 * Seeds schema knowledge with column types given as `table.column` → SQL type text.
 * @throws {Error} naming the key when it has no column part or the type does not parse
 */
export function knowledgeFromColumnTypes(columnTypes: ReadonlyMap<string, string> | undefined): SchemaKnowledge {
  const knowledge = new SchemaKnowledge();
  for (const [key, typeText] of columnTypes ?? []) {
    const dot = key.lastIndexOf('.');
    if (dot <= 0 || dot === key.length - 1) throw new Error(`columnTypes: key "${key}" must be "table.column" or "schema.table.column"`);
    const spec = typeSpecOf(parseTypeName(typeText));
    if (!spec) throw new Error(`columnTypes: the type of "${key}" ("${typeText}") is not a PostgreSQL type name`);
    knowledge.setColumnType(parseRelationKey(key.slice(0, dot)), key.slice(dot + 1), spec);
  }
  return knowledge;
}

/**
 * Lints the SQL of one migration file on PostgreSQL's own parse tree.
 *
 * Never throws on the SQL: text that does not parse gives one `syntax-error` finding at the
 * parser's position. Findings are sorted by line and column; rules set to `off` are not reported;
 * suppressed findings (a `-- rds-migrate-lint-ignore <rule>: <reason>` comment before or inside the
 * statement) are not reported.
 *
 * Requires the parser: `await loadLinter()` once before the first call.
 * @throws {Error} when the parser is not loaded, or an option is malformed (naming it)
 * @throws {LintConfigError} when `config` names an unknown rule or a bad severity
 */
export function lintSql(sql: string, options: LintSqlOptions): LintFinding[] {
  const config = resolveLintConfig(options.config);
  const sizes = new TableSizes(options.tableSizes);
  const knowledge = knowledgeFromColumnTypes(options.columnTypes);
  const createdTables = [...(options.createdTables ?? [])].map(parseRelationKey);
  return lintFile({
    file: options.file,
    sql,
    config,
    knowledge,
    sizes,
    createdTables,
    ...(options.transactional === undefined ? {} : { transactional: options.transactional }),
  }).findings;
}
