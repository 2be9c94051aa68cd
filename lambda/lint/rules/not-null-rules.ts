import type { ColumnDef, Constraint } from 'libpg-query';
import { quoteIdentifier, relationKey } from '../relation-name';
import { isSerial, typeSpecOf } from '../type-spec';
import { alterTable, alterTablePrefix, type RuleContext } from './rule-context';

/**
 * NOT NULL on existing tables. PostgreSQL docs, ALTER TABLE:
 * - SET NOT NULL scans the whole table under ACCESS EXCLUSIVE, "unless a valid CHECK constraint is
 *   found which proves no NULL can exist" (PostgreSQL 12+); so: add `CHECK (col IS NOT NULL) NOT VALID`,
 *   VALIDATE it in a later transaction, then SET NOT NULL and drop the check.
 * - ADD COLUMN ... NOT NULL without a default gives every existing row NULL, which fails on any
 *   table with rows. A constant default costs nothing since PostgreSQL 11 (docs, ALTER TABLE, Notes).
 */

/** `require-check-before-set-not-null`: SET NOT NULL not backed by a validated CHECK. */
export function checkSetNotNull({ statement, state, knowledge, report }: RuleContext): void {
  const alter = alterTable(statement);
  if (!alter || state.isNewTable(alter.table)) return;
  const { table, commands } = alter;
  for (const { cmd, at } of commands) {
    if (cmd.subtype !== 'AT_SetNotNull' || !cmd.name) continue;
    if (knowledge.isProvenNotNull(table, cmd.name) || state.validatedUnknownCheck.has(table)) continue;
    const column = quoteIdentifier(cmd.name);
    const check = quoteIdentifier(`${table.name}_${cmd.name}_not_null`);
    const prefix = alterTablePrefix(table);
    report({
      ruleId: 'require-check-before-set-not-null',
      at,
      relation: table,
      message: `SET NOT NULL on ${relationKey(table)}.${cmd.name} scans every row while an ACCESS EXCLUSIVE lock blocks all reads and writes of ${relationKey(table)}.`,
      suggestion:
        `Prove it with a CHECK constraint first; PostgreSQL 12+ then sets NOT NULL without a scan:\n` +
        `${prefix} ADD CONSTRAINT ${check} CHECK (${column} IS NOT NULL) NOT VALID;\n` +
        `-- in a later migration:\n${prefix} VALIDATE CONSTRAINT ${check};\n${prefix} ALTER COLUMN ${column} SET NOT NULL;\n${prefix} DROP CONSTRAINT ${check};`,
    });
  }
}

function constraintsOf(column: ColumnDef): Constraint[] {
  return (column.constraints ?? []).map((c) => (c as { Constraint?: Constraint }).Constraint).filter((c) => c !== undefined);
}

/** `require-default-for-not-null-column`: ADD COLUMN ... NOT NULL with nothing to fill existing rows. */
export function checkNotNullWithoutDefault({ statement, state, report }: RuleContext): void {
  const alter = alterTable(statement);
  if (!alter || state.isNewTable(alter.table)) return;
  const { table, commands } = alter;
  for (const { cmd, at, text } of commands) {
    if (cmd.subtype !== 'AT_AddColumn') continue;
    const column = (cmd.def as { ColumnDef?: ColumnDef } | undefined)?.ColumnDef;
    if (!column) continue;
    const constraints = constraintsOf(column);
    const notNull = constraints.find((c) => c.contype === 'CONSTR_NOTNULL' || c.contype === 'CONSTR_PRIMARY');
    if (!notNull && !column.is_not_null) continue;
    const filled = constraints.some((c) => c.contype === 'CONSTR_DEFAULT' || c.contype === 'CONSTR_IDENTITY' || c.contype === 'CONSTR_GENERATED');
    const type = typeSpecOf(column.typeName);
    if (filled || column.raw_default || (type && isSerial(type))) continue;
    const name = column.colname ?? 'the column';
    const withDefault = /\bNOT\s+NULL\b/i.test(text) ? text.replace(/\bNOT\s+NULL\b/i, 'NOT NULL DEFAULT <constant>') : `${text} DEFAULT <constant>`;
    report({
      ruleId: 'require-default-for-not-null-column',
      at: statement.at(notNull?.location ?? column.location ?? at),
      message: `NOT NULL column ${name} added to existing table ${relationKey(table)} without a DEFAULT: the ALTER fails with a not-null violation as soon as the table has a row.`,
      suggestion:
        `Give it a constant default (stored in the catalog since PostgreSQL 11, no rewrite):\n${alterTablePrefix(table)} ${withDefault};\n` +
        `Or add it nullable, backfill in batches, then prove NOT NULL with a validated CHECK and SET NOT NULL (see require-check-before-set-not-null).`,
    });
  }
}
