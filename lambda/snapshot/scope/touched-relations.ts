import type { BundledMigration } from '../../migrations/bundle';
import { loadSqlParser, parseSql } from '../../migrations/sql-parser';
import type { MigrationTouches, TouchedRelation } from './migration-touches';

/**
 * Bundle-time analysis (it loads the PostgreSQL parser, `libpg-query`; the function must not import
 * this module): which relations a migration's up statements change, for the `affected` snapshot scope.
 *
 * Conservative by construction: a statement whose effect on existing rows cannot be read from its parse
 * tree makes the whole migration `unknown` (the snapshot then covers the full scope). Counted as touched:
 * - the target of INSERT, UPDATE, DELETE, MERGE anywhere in the statement (data-modifying CTEs included),
 *   of COPY ... FROM, TRUNCATE;
 * - the table of ALTER TABLE (and ALTER INDEX/SEQUENCE: resolved to their table), a partition attached or
 *   detached, RENAME, SET SCHEMA, CREATE INDEX, CREATE TRIGGER, CREATE RULE, policies, CLUSTER, the parent
 *   of CREATE TABLE ... PARTITION OF / INHERITS, ALTER SEQUENCE;
 * - the tables, indexes and sequences of DROP TABLE/INDEX/SEQUENCE;
 * - the sequence named by a literal in `setval`/`nextval` of a top-level SELECT.
 * Known to change no existing row: creating tables, views, functions, types, schemas, extensions,
 * sequences; comments, grants, settings, ALTER TYPE ... ADD VALUE, VACUUM, ANALYZE, REINDEX, LOCK,
 * REFRESH MATERIALIZED VIEW. Everything else is `unknown`: DO, CALL, EXECUTE, a top-level SELECT calling
 * other functions, DROP SCHEMA/TYPE/DOMAIN/FUNCTION/EXTENSION ... CASCADE (which can drop columns),
 * statements this list does not know.
 */

type Node = Record<string, unknown>;

/** Functions a top-level SELECT may call without making the migration unknown (they change no table, or only the sequence named). */
const READ_ONLY_FUNCTIONS = new Set([
  'count', 'sum', 'min', 'max', 'avg', 'coalesce', 'now', 'current_timestamp', 'version', 'current_setting', 'set_config',
  'pg_sleep', 'to_regclass', 'format', 'lower', 'upper', 'length',
]);
const SEQUENCE_FUNCTIONS = new Set(['setval', 'nextval']);

/** Statements that change no existing row. */
const NO_DATA_CHANGE = new Set([
  'CreateStmt', 'ViewStmt', 'CreateFunctionStmt', 'CreateExtensionStmt', 'AlterExtensionStmt', 'CreateSchemaStmt', 'DefineStmt',
  'CompositeTypeStmt', 'CreateEnumStmt', 'AlterEnumStmt', 'CreateDomainStmt', 'AlterDomainStmt', 'CreateRangeStmt', 'CommentStmt',
  'GrantStmt', 'GrantRoleStmt', 'CreateRoleStmt', 'AlterRoleStmt', 'AlterDefaultPrivilegesStmt', 'VariableSetStmt', 'CreateSeqStmt',
  'CreateTableAsStmt', 'RefreshMatViewStmt', 'VacuumStmt', 'ReindexStmt', 'LockStmt', 'AlterFunctionStmt', 'AlterOwnerStmt',
  'CreateCastStmt', 'CreateOpClassStmt', 'CreateStatsStmt', 'AlterStatsStmt', 'CreateEventTrigStmt', 'CreatePLangStmt',
  'CreateConversionStmt', 'CreateTransformStmt', 'SecLabelStmt', 'CreatePublicationStmt', 'AlterPublicationStmt', 'CheckPointStmt',
]);

/** DROP of these is safe with CASCADE too: nothing but the objects themselves (and dependent views, indexes) goes. */
const DROP_TOUCHING = new Set(['OBJECT_TABLE', 'OBJECT_INDEX', 'OBJECT_SEQUENCE']);
const DROP_HARMLESS = new Set(['OBJECT_VIEW', 'OBJECT_MATVIEW', 'OBJECT_TRIGGER', 'OBJECT_RULE', 'OBJECT_POLICY', 'OBJECT_STATISTIC_EXT', 'OBJECT_PUBLICATION']);

class Unknown extends Error {}

const rangeVar = (node: unknown): TouchedRelation | undefined => {
  const r = node as { relname?: string; schemaname?: string } | undefined;
  if (!r?.relname) return undefined;
  return r.schemaname ? { schema: r.schemaname, name: r.relname } : { name: r.relname };
};

const nameList = (node: unknown): TouchedRelation | undefined => {
  const items = ((node as { List?: { items?: unknown[] } })?.List?.items ?? []) as Array<{ String?: { sval?: string } }>;
  const parts = items.map((i) => i.String?.sval).filter((s): s is string => typeof s === 'string');
  if (parts.length === 0) return undefined;
  const name = parts.at(-1)!;
  return parts.length >= 2 ? { schema: parts.at(-2)!, name } : { name };
};

/** Every node of a tree, depth first. */
function* nodes(value: unknown): Generator<[string, Node]> {
  if (Array.isArray(value)) {
    for (const item of value) yield* nodes(item);
  } else if (value !== null && typeof value === 'object') {
    for (const [key, child] of Object.entries(value as Node)) {
      if (/^[A-Z]/.test(key) && child !== null && typeof child === 'object' && !Array.isArray(child)) yield [key, child as Node];
      yield* nodes(child);
    }
  }
}

/** The relations one statement (its parse tree: `{ <StmtType>: {...} }`) touches. @throws {Unknown} */
function statementRelations(statement: Node): TouchedRelation[] {
  const [type, body] = Object.entries(statement)[0] as [string, Node];
  const found: TouchedRelation[] = [];
  const add = (relation: TouchedRelation | undefined) => {
    if (relation) found.push(relation);
  };
  // Data-modifying statements, wherever they are (WITH d AS (DELETE ...) ...).
  for (const [key, node] of nodes(statement)) {
    if (key === 'InsertStmt' || key === 'UpdateStmt' || key === 'DeleteStmt' || key === 'MergeStmt') add(rangeVar(node.relation));
  }
  switch (type) {
    case 'InsertStmt':
    case 'UpdateStmt':
    case 'DeleteStmt':
    case 'MergeStmt':
      return found;
    case 'SelectStmt':
      if (body.intoClause) return found; // SELECT INTO creates a new table.
      for (const [key, node] of nodes(statement)) {
        if (key !== 'FuncCall') continue;
        const name = nameList({ List: { items: node.funcname } })?.name.toLowerCase() ?? '';
        if (SEQUENCE_FUNCTIONS.has(name)) {
          const first = (node.args as Array<{ A_Const?: { sval?: { sval?: string } } }> | undefined)?.[0]?.A_Const?.sval?.sval;
          if (typeof first !== 'string') throw new Unknown(`${name}() of a sequence not named by a literal`);
          add(parseQualifiedName(first));
        } else if (!READ_ONLY_FUNCTIONS.has(name) && !name.startsWith('pg_')) {
          throw new Unknown(`SELECT calls ${name}(), which may change any table`);
        }
      }
      return found;
    case 'AlterTableStmt':
      add(rangeVar(body.relation));
      for (const [key, node] of nodes(body.cmds)) if (key === 'PartitionCmd') add(rangeVar(node.name));
      return found;
    case 'RenameStmt':
    case 'IndexStmt':
    case 'CreateTrigStmt':
    case 'RuleStmt':
    case 'ClusterStmt':
    case 'AlterObjectSchemaStmt':
      if (type === 'RenameStmt' && !body.relation) return found; // renaming a type, function, schema ...
      if (type === 'AlterObjectSchemaStmt' && !body.relation) return found;
      add(rangeVar(body.relation));
      return found;
    case 'CreatePolicyStmt':
    case 'AlterPolicyStmt':
      add(rangeVar(body.table));
      return found;
    case 'TruncateStmt':
      for (const relation of (body.relations as unknown[]) ?? []) add(rangeVar((relation as { RangeVar?: unknown }).RangeVar));
      return found;
    case 'CopyStmt':
      if (body.is_from) add(rangeVar(body.relation));
      return found;
    case 'AlterSeqStmt':
      add(rangeVar(body.sequence));
      return found;
    case 'DropStmt': {
      const kind = String(body.removeType);
      if (DROP_TOUCHING.has(kind)) {
        for (const object of (body.objects as unknown[]) ?? []) add(nameList(object));
        return found;
      }
      if (DROP_HARMLESS.has(kind) || body.behavior !== 'DROP_CASCADE') return found;
      throw new Unknown(`DROP ${kind.replace('OBJECT_', '')} ... CASCADE may drop columns of any table`);
    }
    case 'ExplainStmt': {
      const analyze = ((body.options as unknown[]) ?? []).some((o) => (o as { DefElem?: { defname?: string } }).DefElem?.defname === 'analyze');
      return analyze ? statementRelations(body.query as Node) : found;
    }
    case 'CreateStmt':
      for (const parent of (body.inhRelations as unknown[]) ?? []) add(rangeVar((parent as { RangeVar?: unknown }).RangeVar));
      return found;
    default:
      if (NO_DATA_CHANGE.has(type)) return found;
      throw new Unknown(`${type.replace(/Stmt$/, '').replace(/([a-z])([A-Z])/g, '$1 $2').toUpperCase()} statements are not analysed`);
  }
}

/** `s.name` or `name` as written in a setval/nextval literal (`'"Odd".seq'`). */
function parseQualifiedName(text: string): TouchedRelation {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '"') {
      if (quoted && text[i + 1] === '"') {
        current += '"';
        i++;
      } else quoted = !quoted;
    } else if (ch === '.' && !quoted) {
      parts.push(current);
      current = '';
    } else current += quoted ? ch : ch.toLowerCase();
  }
  parts.push(current);
  return parts.length >= 2 ? { schema: parts.at(-2)!, name: parts.at(-1)! } : { name: parts[0]! };
}

/**
 * What a migration's up script touches (see the module doc). Loads the parser on first use.
 * @returns the relations, each once, or `unknown` naming the file and line of the first statement whose effect cannot be known
 */
export async function touchedRelations(migration: BundledMigration): Promise<MigrationTouches> {
  // A data migration (a TypeScript module, `engine/data/data-migration.ts`) may write to any table.
  if (migration.data !== undefined) {
    return { unknown: `${migration.up.file}: a data migration (a module) may change any table` };
  }
  await loadSqlParser();
  const relations = new Map<string, TouchedRelation>();
  for (const statement of migration.up.statements) {
    const parsed = parseSql(statement.sql);
    if (!parsed.ok) return { unknown: `${migration.up.file}:${statement.line}: ${parsed.error.message}` };
    for (const raw of parsed.stmts) {
      try {
        for (const relation of statementRelations(raw.stmt as unknown as Node)) relations.set(JSON.stringify([relation.schema ?? null, relation.name]), relation);
      } catch (error) {
        if (error instanceof Unknown) return { unknown: `${migration.up.file}:${statement.line}: ${error.message}` };
        throw error;
      }
    }
  }
  return { relations: [...relations.values()] };
}

