import type { ColumnDef, Constraint, Node } from 'libpg-query';
import { defaultVolatility } from '../default-volatility';
import { quoteIdentifier, relationKey, type RelationRef } from '../relation-name';
import { classifyTypeChange } from '../type-change';
import { displayType, isSerial, typeSpecOf } from '../type-spec';
import { alterTable, alterTablePrefix, type RuleContext } from './rule-context';

/**
 * Statements that rewrite a whole existing table under an ACCESS EXCLUSIVE lock (PostgreSQL docs,
 * ALTER TABLE, Notes): adding a column whose value must be computed per row (a volatile default,
 * an identity or serial column, a STORED generated column), and changing a column's type unless the
 * change is binary coercible (see `type-change.ts`).
 */

function expandContract(table: RelationRef, column: string, type: string, fill: string): string {
  const prefix = alterTablePrefix(table);
  return (
    `Add the column without computing it for existing rows, set the default for new rows, then backfill in batches:\n` +
    `${prefix} ADD COLUMN ${column} ${type};\n${prefix} ALTER COLUMN ${column} SET DEFAULT ${fill};\n` +
    `-- then, in batches: UPDATE ${relationKey(table)} SET ${column} = ${fill} WHERE ${column} IS NULL AND <key range>;`
  );
}

/** `ban-volatile-default`: ADD COLUMN that computes a value for every existing row. */
export function checkVolatileDefault({ statement, state, report }: RuleContext): void {
  const alter = alterTable(statement);
  if (!alter || state.isNewTable(alter.table)) return;
  const { table, commands } = alter;
  const tableName = relationKey(table);
  for (const { cmd, at } of commands) {
    if (cmd.subtype !== 'AT_AddColumn') continue;
    const column = (cmd.def as { ColumnDef?: ColumnDef } | undefined)?.ColumnDef;
    if (!column) continue;
    const name = column.colname ? quoteIdentifier(column.colname) : '<column>';
    const type = typeSpecOf(column.typeName);
    const typeText = type ? displayType(type) : '<type>';
    const constraints = (column.constraints ?? []).map((c) => (c as { Constraint?: Constraint }).Constraint).filter((c) => c !== undefined);
    const rewrite = `rewriting all of ${tableName} under an ACCESS EXCLUSIVE lock`;

    if (type && isSerial(type)) {
      const baseType = type.name === 'bigserial' ? 'bigint' : type.name === 'smallserial' ? 'smallint' : 'integer';
      report({
        ruleId: 'ban-volatile-default',
        at: statement.at(column.typeName?.location ?? at),
        relation: table,
        message: `Column ${column.colname} of type ${type.name} added to existing table ${tableName}: its nextval() default is volatile, so PostgreSQL fills every existing row, ${rewrite}.`,
        suggestion: `Create the sequence yourself and backfill:\nCREATE SEQUENCE IF NOT EXISTS ${table.name}_${column.colname ?? 'column'}_seq;\n${expandContract(table, name, baseType, `nextval('${table.name}_${column.colname ?? 'column'}_seq')`)}`,
      });
      continue;
    }
    for (const constraint of constraints) {
      if (constraint.contype === 'CONSTR_IDENTITY' || (constraint.contype === 'CONSTR_GENERATED' && constraint.generated_kind === 's')) {
        const what = constraint.contype === 'CONSTR_IDENTITY' ? 'an identity column, numbered from its sequence' : 'a STORED generated column, computed';
        report({
          ruleId: 'ban-volatile-default',
          at: statement.at(constraint.location ?? at),
          relation: table,
          message: `Column ${column.colname} is ${what} for every existing row of ${tableName}, ${rewrite}.`,
          suggestion:
            constraint.contype === 'CONSTR_IDENTITY'
              ? `Add a plain column with a sequence default and backfill in batches (then ADD GENERATED ... AS IDENTITY is not needed):\n${expandContract(table, name, typeText, `nextval('<sequence>')`)}`
              : `Use a virtual generated column (PostgreSQL 18: GENERATED ALWAYS AS (...) VIRTUAL, computed on read), or a plain column kept up to date by a trigger and backfilled in batches.`,
        });
      }
      if (constraint.contype !== 'CONSTR_DEFAULT') continue;
      const verdict = defaultVolatility(constraint.raw_expr);
      if (verdict.kind === 'non-volatile') continue;
      const call = `${verdict.functionName}()`;
      const message =
        verdict.kind === 'volatile'
          ? `Column ${column.colname} added to existing table ${tableName} with volatile default ${call}: PostgreSQL computes it for every existing row, ${rewrite}.`
          : `Column ${column.colname} added to existing table ${tableName} with default ${call}, whose volatility the linter cannot tell (functions are VOLATILE unless declared IMMUTABLE or STABLE); if volatile, PostgreSQL computes it for every existing row, ${rewrite}.`;
      report({
        ruleId: 'ban-volatile-default',
        at: statement.at(verdict.location ?? constraint.location ?? at),
        relation: table,
        message,
        suggestion: expandContract(table, name, typeText, functionCallText(constraint.raw_expr, statement) ?? '<the default expression>'),
      });
    }
  }
}

/** The source text of a default that is a single function call (`gen_random_uuid()`), else undefined. */
function functionCallText(expression: Node | undefined, statement: RuleContext['statement']): string | undefined {
  const location = (expression as { FuncCall?: { location?: number } } | undefined)?.FuncCall?.location;
  if (location === undefined) return undefined;
  let depth = 0;
  for (const token of statement.tokens) {
    if (token.start < location) continue;
    if (token.text === '(') depth++;
    else if (token.text === ')' && --depth === 0) return statement.slice(location, token.end);
  }
  return undefined;
}

function isTrivialUsing(expression: Node | undefined, column: string): boolean {
  if (!expression) return true;
  const cast = (expression as { TypeCast?: { arg?: Node } }).TypeCast;
  const target = cast ? cast.arg : expression;
  const fields = (target as { ColumnRef?: { fields?: Node[] } } | undefined)?.ColumnRef?.fields ?? [];
  return fields.length === 1 && (fields[0] as { String?: { sval?: string } }).String?.sval === column;
}

/** `ban-table-rewriting-type-change`: ALTER COLUMN ... TYPE that is not binary coercible. */
export function checkTypeChange({ statement, state, knowledge, report }: RuleContext): void {
  const alter = alterTable(statement);
  if (!alter || state.isNewTable(alter.table)) return;
  const { table, commands } = alter;
  const tableName = relationKey(table);
  for (const { cmd, at } of commands) {
    if (cmd.subtype !== 'AT_AlterColumnType' || !cmd.name) continue;
    const def = (cmd.def as { ColumnDef?: ColumnDef } | undefined)?.ColumnDef;
    const to = typeSpecOf(def?.typeName);
    if (!to) continue;
    const from = knowledge.columnType(table, cmd.name);
    let reason: string;
    let unknownColumn: { table: RelationRef; column: string } | undefined;
    if (!isTrivialUsing(def?.raw_default, cmd.name)) {
      reason = `its USING expression computes a new value for every row`;
    } else if (!from) {
      unknownColumn = { table, column: cmd.name };
      reason = `the linter does not know the column's current type (lint with a database connection to read it), and a type change rewrites the table unless it is binary coercible (e.g. varchar(n) → text, numeric(p,s) → numeric(p+k,s))`;
    } else {
      const verdict = classifyTypeChange(from, to);
      if (!verdict.rewrites) continue;
      reason = verdict.reason;
    }
    const column = quoteIdentifier(cmd.name);
    report({
      ruleId: 'ban-table-rewriting-type-change',
      at,
      relation: table,
      ...(unknownColumn ? { unknownColumn } : {}),
      message: `Changing ${tableName}.${cmd.name} to ${displayType(to)} rewrites the table and its indexes under an ACCESS EXCLUSIVE lock: ${reason}.`,
      suggestion:
        `Expand and contract instead: add a new column of type ${displayType(to)}, keep it in step (trigger or application dual-write), backfill in batches, switch reads, then drop the old column in a later release:\n` +
        `${alterTablePrefix(table)} ADD COLUMN ${quoteIdentifier(`${cmd.name}_new`)} ${displayType(to)};` +
        (to.name === 'varchar' || to.name === 'bpchar'
          ? `\nFor a length limit, keep text and add ${alterTablePrefix(table)} ADD CONSTRAINT <name> CHECK (char_length(${column}) <= n) NOT VALID, validated in a later migration.`
          : ''),
    });
  }
}
