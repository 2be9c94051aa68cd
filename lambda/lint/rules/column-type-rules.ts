import type { AlterTableCmd, ColumnDef, Constraint, CreateStmt, Node, TypeName } from 'libpg-query';
import { quoteIdentifier, relationKey, relationOf, type RelationRef } from '../relation-name';
import { displayType, typeSpecOf, type TypeSpec } from '../type-spec';
import type { RuleContext } from './rule-context';

/**
 * Type choices for new columns (PostgreSQL wiki "Don't Do This", docs chapter 8):
 * - `prefer-bigint-primary-key`: integer/serial keys run out at 2^31 - 1; widening later rewrites
 *   the table and every referencing column;
 * - `prefer-timestamptz`: timestamp without time zone stores no offset;
 * - `ban-char-type`: char(n) pads with blanks (docs 8.3 Tip: no performance advantage);
 * - `prefer-text-over-varchar`: a varchar(n) limit is a constraint in the type: lowering it
 *   rewrites the table; text with a CHECK can be changed with NOT VALID + VALIDATE.
 */

const SMALL_KEY_TYPES = new Set(['int2', 'int4', 'serial', 'smallserial']);

interface TypedColumn {
  readonly name: string;
  readonly typeName: TypeName | undefined;
  readonly type: TypeSpec;
  readonly location: number | undefined;
}

function typeChecks(context: RuleContext, table: RelationRef, column: TypedColumn): void {
  const { statement, report } = context;
  const at = statement.at(column.typeName?.location ?? column.location);
  const where = `${relationKey(table)}.${column.name}`;
  const name = quoteIdentifier(column.name);
  const { type } = column;
  if (type.name === 'timestamp') {
    report({
      ruleId: 'prefer-timestamptz',
      at,
      message: `Column ${where} is timestamp without time zone: it stores no offset, so a value means different instants to writers in different time zones, and comparisons with now() shift with the session TimeZone.`,
      suggestion: `Store an absolute instant (displayed in each session's time zone): ${name} timestamptz${type.typmods.length ? `(${type.typmods[0]})` : ''}${'[]'.repeat(type.arrayDims)}`,
    });
  } else if (type.name === 'bpchar' && type.typmods.length > 0) {
    const length = type.typmods[0]!;
    report({
      ruleId: 'ban-char-type',
      at,
      message: `Column ${where} is char(${length}): values are blank-padded to ${length} characters, trailing blanks are ignored in comparisons but not by every client, and it is no faster than text (PostgreSQL docs 8.3).`,
      suggestion: `Use text, with a CHECK if the length matters: ${name} text CHECK (char_length(${name}) = ${length})`,
    });
  } else if (type.name === 'varchar' && type.typmods.length > 0) {
    const length = type.typmods[0]!;
    report({
      ruleId: 'prefer-text-over-varchar',
      at,
      message: `Column ${where} is varchar(${length}): the limit lives in the type, so lowering it later rewrites the table under an ACCESS EXCLUSIVE lock, and even raising it takes that lock.`,
      suggestion: `Use text with a named CHECK constraint, which can later be replaced NOT VALID and validated without blocking:\n${name} text CONSTRAINT ${quoteIdentifier(`${table.name}_${column.name}_length`)} CHECK (char_length(${name}) <= ${length})`,
    });
  }
}

function primaryKeyCheck(context: RuleContext, table: RelationRef, column: TypedColumn, location: number | undefined): void {
  if (!SMALL_KEY_TYPES.has(column.type.name) || column.type.arrayDims > 0) return;
  const big = column.type.name === 'serial' || column.type.name === 'smallserial' ? 'bigserial, or better bigint GENERATED ALWAYS AS IDENTITY' : 'bigint';
  context.report({
    ruleId: 'prefer-bigint-primary-key',
    at: context.statement.at(location ?? column.typeName?.location ?? column.location),
    message: `Primary key ${relationKey(table)}.${column.name} is ${displayType(column.type)}: ids run out at ${column.type.name.startsWith('small') || column.type.name === 'int2' ? '32,767' : '2,147,483,647'}, and widening the key later rewrites the table and every foreign key column referencing it.`,
    suggestion: `Use ${big}: ${quoteIdentifier(column.name)} bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY`,
  });
}

function columnOf(def: ColumnDef | undefined): TypedColumn | undefined {
  const type = typeSpecOf(def?.typeName);
  if (!def?.colname || !type) return undefined;
  return { name: def.colname, typeName: def.typeName, type, location: def.location };
}

function constraints(def: ColumnDef): Constraint[] {
  return (def.constraints ?? []).map((c) => (c as { Constraint?: Constraint }).Constraint).filter((c) => c !== undefined);
}

function keyNames(keys: readonly Node[] | undefined): string[] {
  return (keys ?? []).map((k) => (k as { String?: { sval?: string } }).String?.sval ?? '');
}

/** The type-choice rules over CREATE TABLE, ADD COLUMN, ALTER COLUMN TYPE and ADD PRIMARY KEY. */
export function checkColumnTypes(context: RuleContext): void {
  const node = context.statement.node as { CreateStmt?: CreateStmt; AlterTableStmt?: { relation?: Parameters<typeof relationOf>[0]; cmds?: Node[]; objtype?: string } };
  if (node.CreateStmt) {
    const table = relationOf(node.CreateStmt.relation);
    if (!table) return;
    const columns = new Map<string, TypedColumn>();
    for (const element of node.CreateStmt.tableElts ?? []) {
      const e = element as { ColumnDef?: ColumnDef; Constraint?: Constraint };
      const column = columnOf(e.ColumnDef);
      if (column && e.ColumnDef) {
        columns.set(column.name, column);
        typeChecks(context, table, column);
        const pk = constraints(e.ColumnDef).find((c) => c.contype === 'CONSTR_PRIMARY');
        if (pk) primaryKeyCheck(context, table, column, undefined);
      }
      if (e.Constraint?.contype === 'CONSTR_PRIMARY') {
        const keys = keyNames(e.Constraint.keys);
        const column = keys.length === 1 ? columns.get(keys[0]!) : undefined;
        if (column) primaryKeyCheck(context, table, column, e.Constraint.location);
      }
    }
    return;
  }
  const alter = node.AlterTableStmt;
  if (!alter || (alter.objtype !== undefined && alter.objtype !== 'OBJECT_TABLE')) return;
  const table = relationOf(alter.relation);
  if (!table) return;
  for (const raw of alter.cmds ?? []) {
    const cmd = (raw as { AlterTableCmd?: AlterTableCmd }).AlterTableCmd;
    const def = cmd?.def as { ColumnDef?: ColumnDef; Constraint?: Constraint } | undefined;
    if (cmd?.subtype === 'AT_AddColumn' && def?.ColumnDef) {
      const column = columnOf(def.ColumnDef);
      if (!column) continue;
      typeChecks(context, table, column);
      if (constraints(def.ColumnDef).some((c) => c.contype === 'CONSTR_PRIMARY')) primaryKeyCheck(context, table, column, undefined);
    } else if (cmd?.subtype === 'AT_AlterColumnType' && cmd.name && def?.ColumnDef) {
      const type = typeSpecOf(def.ColumnDef.typeName);
      if (type) typeChecks(context, table, { name: cmd.name, typeName: def.ColumnDef.typeName, type, location: def.ColumnDef.location });
    } else if (cmd?.subtype === 'AT_AddConstraint' && def?.Constraint?.contype === 'CONSTR_PRIMARY' && !def.Constraint.indexname) {
      const keys = keyNames(def.Constraint.keys);
      const type = keys.length === 1 ? context.knowledge.columnType(table, keys[0]!) : undefined;
      if (type) primaryKeyCheck(context, table, { name: keys[0]!, typeName: undefined, type, location: def.Constraint.location }, def.Constraint.location);
    }
  }
}
