import type { ColumnDef, Constraint, Node } from 'libpg-query';
import { quoteIdentifier, relationKey, relationSql, type RelationRef } from '../relation-name';
import { alterTable, alterTablePrefix, type RuleContext } from './rule-context';

/**
 * Constraints added to existing tables. PostgreSQL docs, ALTER TABLE:
 * - ADD CONSTRAINT ... CHECK validates every row under the ACCESS EXCLUSIVE lock ALTER TABLE takes;
 *   FOREIGN KEY validates under SHARE ROW EXCLUSIVE on both tables. With NOT VALID the check is
 *   skipped for existing rows, and a later VALIDATE CONSTRAINT scans under SHARE UPDATE EXCLUSIVE,
 *   which lets reads and writes go on ("Notes": "scanning ... without locking out concurrent updates").
 *   That only helps when VALIDATE runs in a later transaction than the ADD.
 * - UNIQUE / PRIMARY KEY build their index under ACCESS EXCLUSIVE; `ADD CONSTRAINT ... USING INDEX`
 *   adopts an index built beforehand with CREATE UNIQUE INDEX CONCURRENTLY.
 */

function constraintOf(node: Node | undefined): Constraint | undefined {
  return (node as { Constraint?: Constraint } | undefined)?.Constraint;
}

function names(nodes: readonly Node[] | undefined): string[] {
  return (nodes ?? []).map((n) => (n as { String?: { sval?: string } }).String?.sval ?? '?');
}

function validateLater(table: RelationRef, name: string | undefined): string {
  return `-- in a later migration (VALIDATE scans under SHARE UPDATE EXCLUSIVE: reads and writes go on):\n${alterTablePrefix(table)} VALIDATE CONSTRAINT ${name ? quoteIdentifier(name) : '<constraint_name>'};`;
}

function notValidMessage(table: RelationRef, constraint: Constraint): string {
  const name = relationKey(table);
  if (constraint.contype === 'CONSTR_FOREIGN') {
    const referenced = constraint.pktable?.relname ?? 'the referenced table';
    return `FOREIGN KEY added to existing table ${name} without NOT VALID: every row is checked while SHARE ROW EXCLUSIVE locks on ${name} and ${referenced} block their writes.`;
  }
  return `CHECK constraint added to existing table ${name} without NOT VALID: every row is checked while an ACCESS EXCLUSIVE lock blocks all reads and writes of ${name}.`;
}

/** `require-not-valid-constraint`: CHECK / FOREIGN KEY added to an existing table and validated at once. */
export function checkNotValidConstraint({ statement, state, report }: RuleContext): void {
  const alter = alterTable(statement);
  if (!alter || state.isNewTable(alter.table)) return;
  const { table, commands } = alter;
  for (const { cmd, at, text } of commands) {
    if (cmd.subtype === 'AT_AddConstraint') {
      const constraint = constraintOf(cmd.def);
      if (!constraint || constraint.skip_validation) continue;
      if (constraint.contype !== 'CONSTR_CHECK' && constraint.contype !== 'CONSTR_FOREIGN') continue;
      const naming = constraint.conname ? '' : '\nName the constraint (ADD CONSTRAINT <name> ...) so that VALIDATE can refer to it.';
      report({
        ruleId: 'require-not-valid-constraint',
        at: statement.at(constraint.location ?? at),
        relation: table,
        message: notValidMessage(table, constraint),
        suggestion: `Add it NOT VALID (new rows are checked at once, existing ones later):\n${alterTablePrefix(table)} ${text} NOT VALID;\n${validateLater(table, constraint.conname)}${naming}`,
      });
    } else if (cmd.subtype === 'AT_AddColumn') {
      const column = (cmd.def as { ColumnDef?: ColumnDef } | undefined)?.ColumnDef;
      for (const node of column?.constraints ?? []) {
        const constraint = constraintOf(node);
        if (constraint?.contype !== 'CONSTR_CHECK' && constraint?.contype !== 'CONSTR_FOREIGN') continue;
        const kind = constraint.contype === 'CONSTR_CHECK' ? 'CHECK (...)' : `FOREIGN KEY (${column?.colname ?? 'column'}) REFERENCES ...`;
        report({
          ruleId: 'require-not-valid-constraint',
          at: statement.at(constraint.location ?? at),
          relation: table,
          message: `${notValidMessage(table, constraint)} (a column constraint on ADD COLUMN is validated like ADD CONSTRAINT)`,
          suggestion: `Add the column without the constraint, then the constraint NOT VALID, then validate it later:\n${alterTablePrefix(table)} ADD COLUMN ${column?.colname ? quoteIdentifier(column.colname) : '<column>'} <type>;\n${alterTablePrefix(table)} ADD CONSTRAINT <constraint_name> ${kind} NOT VALID;\n${validateLater(table, undefined)}`,
        });
      }
    }
  }
}

/** `require-validate-in-later-migration`: VALIDATE CONSTRAINT in the same transaction as its NOT VALID add. */
export function checkValidateInSameTransaction({ statement, state, report }: RuleContext): void {
  if (!state.transactional) return;
  const alter = alterTable(statement);
  if (!alter || state.isNewTable(alter.table)) return;
  for (const { cmd, at } of alter.commands) {
    if (cmd.subtype !== 'AT_ValidateConstraint' || !cmd.name || !state.wasAddedNotValid(alter.table, cmd.name)) continue;
    report({
      ruleId: 'require-validate-in-later-migration',
      at,
      relation: alter.table,
      message: `VALIDATE CONSTRAINT ${cmd.name} runs in the same transaction that added it NOT VALID: the ACCESS EXCLUSIVE lock of the ADD is held until commit, so the validation scan blocks reads and writes of ${relationKey(alter.table)} as if NOT VALID had not been used.`,
      suggestion: `Move the validation to a later migration:\n${alterTablePrefix(alter.table)} VALIDATE CONSTRAINT ${quoteIdentifier(cmd.name)};`,
    });
  }
}

function uniqueRewrite(table: RelationRef, constraint: Constraint, columns: string[]): string {
  const primary = constraint.contype === 'CONSTR_PRIMARY';
  const indexName = constraint.conname ?? `${table.name}_${columns.join('_')}_${primary ? 'pkey' : 'key'}`;
  const kind = primary ? 'PRIMARY KEY' : 'UNIQUE';
  const notNull = primary
    ? '\nThe key columns must already be NOT NULL (see require-check-before-set-not-null), or ADD PRIMARY KEY scans the table to set it.'
    : '';
  return (
    `Build the unique index concurrently in a migration of its own, then adopt it (a catalog-only change):\n` +
    `CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS ${quoteIdentifier(indexName)} ON ${relationSql(table)} (${columns.map(quoteIdentifier).join(', ')});\n` +
    `-- in the next migration:\n${alterTablePrefix(table)} ADD CONSTRAINT ${quoteIdentifier(indexName)} ${kind} USING INDEX ${quoteIdentifier(indexName)};${notNull}`
  );
}

/** `require-unique-using-index`: UNIQUE / PRIMARY KEY added to an existing table without USING INDEX. */
export function checkUniqueConstraint({ statement, state, report }: RuleContext): void {
  const alter = alterTable(statement);
  if (!alter || state.isNewTable(alter.table)) return;
  const { table, commands } = alter;
  const name = relationKey(table);
  for (const { cmd, at } of commands) {
    const found: Array<{ constraint: Constraint; columns: string[] }> = [];
    if (cmd.subtype === 'AT_AddConstraint') {
      const constraint = constraintOf(cmd.def);
      if (constraint && !constraint.indexname) found.push({ constraint, columns: names(constraint.keys) });
    } else if (cmd.subtype === 'AT_AddColumn') {
      const column = (cmd.def as { ColumnDef?: ColumnDef } | undefined)?.ColumnDef;
      for (const node of column?.constraints ?? []) {
        const constraint = constraintOf(node);
        if (constraint) found.push({ constraint, columns: [column?.colname ?? '?'] });
      }
    }
    for (const { constraint, columns } of found) {
      if (constraint.contype !== 'CONSTR_UNIQUE' && constraint.contype !== 'CONSTR_PRIMARY') continue;
      const kind = constraint.contype === 'CONSTR_PRIMARY' ? 'PRIMARY KEY' : 'UNIQUE constraint';
      report({
        ruleId: 'require-unique-using-index',
        at: statement.at(constraint.location ?? at),
        relation: table,
        message: `${kind} added to existing table ${name} builds its index under an ACCESS EXCLUSIVE lock: all reads and writes of ${name} wait for the whole build.`,
        suggestion: uniqueRewrite(table, constraint, columns),
      });
    }
  }
}
