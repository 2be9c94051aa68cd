/**
 * Every rule the migration safety linter knows: its stable id, default severity, whether a small
 * table exempts it, and a one-line summary (for `rds-migrate lint --list-rules` and the docs).
 *
 * Ids are stable: configuration files and `-- rds-migrate-lint-ignore <id>: <reason>` comments name
 * them. Wording follows the field's usual rule names (squawk, strong_migrations) where one exists.
 */

export const RULE_IDS = [
  'require-concurrent-index-creation',
  'require-concurrent-index-deletion',
  'require-concurrent-reindex',
  'require-not-valid-constraint',
  'require-validate-in-later-migration',
  'require-unique-using-index',
  'require-check-before-set-not-null',
  'require-default-for-not-null-column',
  'ban-volatile-default',
  'ban-table-rewriting-type-change',
  'ban-drop-column',
  'ban-drop-table',
  'ban-rename-column',
  'ban-rename-table',
  'ban-truncate-cascade',
  'ban-transaction-control',
  'require-rerunnable-statements',
  'prefer-bigint-primary-key',
  'prefer-timestamptz',
  'ban-char-type',
  'prefer-text-over-varchar',
  'identifier-too-long',
  'require-enum-value-position',
  'syntax-error',
  'invalid-suppression',
  'unused-suppression',
] as const;

/** A rule's stable id. */
export type RuleId = (typeof RULE_IDS)[number];

/** How a finding counts: `error` fails the lint (`report.errorCount`), `warning` is shown, `off` is not reported. */
export type Severity = 'error' | 'warning' | 'off';

export interface RuleInfo {
  readonly id: RuleId;
  readonly defaultSeverity: Exclude<Severity, 'off'>;
  /**
   * True when the rule is about how long a lock is held while PostgreSQL scans or rewrites a table:
   * on a table with fewer rows than `smallTableRows` (known from a database connection or the
   * `tableSizes` option) the finding is dropped and recorded as an exemption instead.
   */
  readonly sizeSensitive: boolean;
  readonly summary: string;
}

const info = (
  id: RuleId,
  defaultSeverity: RuleInfo['defaultSeverity'],
  sizeSensitive: boolean,
  summary: string,
): RuleInfo => ({ id, defaultSeverity, sizeSensitive, summary });

/** The rules in a stable order (the order of `RULE_IDS`). */
export const RULES: readonly RuleInfo[] = [
  info('require-concurrent-index-creation', 'error', true, 'CREATE INDEX on an existing table without CONCURRENTLY blocks writes for the whole build.'),
  info('require-concurrent-index-deletion', 'error', true, 'DROP INDEX without CONCURRENTLY takes an ACCESS EXCLUSIVE lock on the table.'),
  info('require-concurrent-reindex', 'error', true, 'REINDEX without CONCURRENTLY blocks writes (and reads using the index) for the whole rebuild.'),
  info('require-not-valid-constraint', 'error', true, 'CHECK or FOREIGN KEY added without NOT VALID scans the table under a lock that blocks writes.'),
  info('require-validate-in-later-migration', 'error', true, 'VALIDATE CONSTRAINT in the same transaction as its NOT VALID add scans under the ACCESS EXCLUSIVE lock still held.'),
  info('require-unique-using-index', 'error', true, 'UNIQUE or PRIMARY KEY added directly builds its index under an ACCESS EXCLUSIVE lock.'),
  info('require-check-before-set-not-null', 'error', true, 'SET NOT NULL scans the table under an ACCESS EXCLUSIVE lock unless a validated CHECK proves it.'),
  info('require-default-for-not-null-column', 'error', false, 'A NOT NULL column added without a DEFAULT fails on any table that has rows.'),
  info('ban-volatile-default', 'error', true, 'A column added with a volatile default (or identity, serial, stored generated) rewrites the table.'),
  info('ban-table-rewriting-type-change', 'error', true, 'ALTER COLUMN ... TYPE rewrites the table and its indexes unless the change is binary coercible.'),
  info('ban-drop-column', 'error', false, 'Dropping a column breaks code still reading it; acknowledge with a suppression once no code uses it.'),
  info('ban-drop-table', 'error', false, 'Dropping a table breaks code still using it and loses its data.'),
  info('ban-rename-column', 'error', false, 'Renaming a column breaks code using the old name during and after the deploy.'),
  info('ban-rename-table', 'error', false, 'Renaming a table breaks code using the old name during and after the deploy.'),
  info('ban-truncate-cascade', 'error', false, 'TRUNCATE ... CASCADE also empties every table that references the named ones, recursively.'),
  info('ban-transaction-control', 'error', false, 'BEGIN/COMMIT/ROLLBACK in a migration file fight the transaction the runner manages.'),
  info('require-rerunnable-statements', 'error', false, 'A statement run outside a transaction (CONCURRENTLY, ...) must succeed when run again after an interruption (IF [NOT] EXISTS).'),
  info('prefer-bigint-primary-key', 'warning', false, 'An integer/serial primary key runs out at 2^31-1; changing it later rewrites the table.'),
  info('prefer-timestamptz', 'warning', false, 'timestamp without time zone loses the offset; use timestamptz.'),
  info('ban-char-type', 'warning', false, 'char(n) pads with spaces and is never faster than text.'),
  info('prefer-text-over-varchar', 'warning', false, 'varchar(n) limits are costly to lower later; prefer text with a CHECK constraint.'),
  info('identifier-too-long', 'error', false, 'Identifiers over 63 bytes are silently truncated by PostgreSQL (NAMEDATALEN - 1).'),
  info('require-enum-value-position', 'warning', false, 'ALTER TYPE ... ADD VALUE without BEFORE/AFTER appends the value last in the enum sort order.'),
  info('syntax-error', 'error', false, 'The file does not parse as PostgreSQL SQL.'),
  info('invalid-suppression', 'error', false, 'A lint-ignore comment without a reason or naming an unknown rule.'),
  info('unused-suppression', 'warning', false, 'A lint-ignore comment that suppresses nothing.'),
];

const BY_ID: ReadonlyMap<string, RuleInfo> = new Map(RULES.map((rule) => [rule.id, rule]));

/** True when `id` names a rule. */
export function isRuleId(id: string): id is RuleId {
  return BY_ID.has(id);
}

/** The rule's metadata. @throws {Error} for an unknown id (a programming error, ids are typed). */
export function ruleInfo(id: RuleId): RuleInfo {
  const rule = BY_ID.get(id);
  if (!rule) throw new Error(`unknown lint rule "${id}"`);
  return rule;
}
