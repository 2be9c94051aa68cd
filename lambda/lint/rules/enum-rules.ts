import type { AlterEnumStmt, Node } from 'libpg-query';
import type { RuleContext } from './rule-context';

/**
 * `require-enum-value-position`: ALTER TYPE ... ADD VALUE without BEFORE/AFTER. Enum values sort
 * and compare in the order they were declared (PostgreSQL docs 8.7.2, "Ordering"), so a value
 * appended last takes part in ORDER BY, <, >, min() and max() as the greatest: say where it goes,
 * or acknowledge that last is intended.
 */
export function checkEnumValuePosition({ statement, report }: RuleContext): void {
  const stmt = (statement.node as { AlterEnumStmt?: AlterEnumStmt }).AlterEnumStmt;
  if (!stmt?.newVal || stmt.oldVal !== undefined || stmt.newValNeighbor !== undefined) return;
  const type = (stmt.typeName ?? []).map((n: Node) => (n as { String?: { sval?: string } }).String?.sval ?? '?').join('.');
  const value = stmt.newVal.replace(/'/g, "''");
  report({
    ruleId: 'require-enum-value-position',
    at: statement.start,
    message: `ADD VALUE '${stmt.newVal}' to enum ${type} without BEFORE or AFTER appends it last: enum values sort and compare in declaration order (ORDER BY, <, >, min/max), so it becomes the greatest.`,
    suggestion:
      `Place it explicitly:\nALTER TYPE ${type} ADD VALUE IF NOT EXISTS '${value}' AFTER '<existing value>';\n` +
      `If last is intended, acknowledge it: -- rds-migrate-lint-ignore require-enum-value-position: '${stmt.newVal}' sorts last on purpose`,
  });
}
