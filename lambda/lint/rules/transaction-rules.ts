import { nonTransactionalCommand } from '../../migrations/non-transactional';
import { transactionControlCommand } from '../../migrations/transaction-control';
import type { RuleContext } from './rule-context';

/**
 * How migrations meet transactions in rds-migrate (see `lambda/engine/plan/build-up.ts`):
 * - a migration runs in one transaction, with its schema history row, unless its statements are
 *   ones PostgreSQL refuses in a transaction block (`migrations/non-transactional.ts`: CREATE INDEX
 *   CONCURRENTLY, DROP INDEX CONCURRENTLY, VACUUM, ...). Those run one at a time, each followed by a
 *   separate progress update in the schema history; after a failure the next run resumes at the
 *   statement that has no recorded progress. If the process died between a statement and its
 *   progress update, that statement runs a second time, so it must succeed when its work is
 *   already done: IF NOT EXISTS / IF EXISTS. (The engine drops an INVALID index left by a failed
 *   CREATE INDEX CONCURRENTLY before retrying it, but keeps a valid one.)
 * - transaction control inside a file fights the runner: a COMMIT would end the runner's transaction
 *   half-way; over the Data API (one call per statement, no session) a BEGIN groups nothing. The
 *   migration compiler refuses these too; the linter reports them with their position first.
 */

/** `ban-transaction-control`: BEGIN / COMMIT / ROLLBACK / SAVEPOINT / ... in a migration file. */
export function checkTransactionControl({ statement, state, report }: RuleContext): void {
  const command = transactionControlCommand(statement.node);
  if (command === undefined) return;
  report({
    ruleId: 'ban-transaction-control',
    at: statement.start,
    message: state.transactional
      ? `${command} in a migration that rds-migrate runs in one transaction: a COMMIT or ROLLBACK here would end the runner's transaction early, so a later failure could no longer undo the migration and the schema history would not match what was applied.`
      : `${command} in a migration that runs outside a transaction (because of ${state.nonTransactionalCause ?? 'a statement PostgreSQL refuses in a transaction block'}): statements run one by one, over the Data API each in its own call, so ${command} groups nothing.`,
    suggestion: 'Remove it: rds-migrate opens and ends each migration\'s transaction itself. Work that must commit separately belongs in separate migrations.',
  });
}

/** One non-transactional command's re-runnable form. */
interface Rerunnable {
  readonly ok: (body: Record<string, unknown>) => boolean;
  readonly fix: string;
}

const BY_KIND: Readonly<Record<string, Rerunnable>> = {
  IndexStmt: { ok: (n) => n.if_not_exists === true, fix: 'add IF NOT EXISTS (this needs an index name): CREATE INDEX CONCURRENTLY IF NOT EXISTS <name> ON ...' },
  DropStmt: { ok: (n) => n.missing_ok === true, fix: 'add IF EXISTS: DROP INDEX CONCURRENTLY IF EXISTS <name>' },
  DropdbStmt: { ok: (n) => n.missing_ok === true, fix: 'add IF EXISTS' },
  DropTableSpaceStmt: { ok: (n) => n.missing_ok === true, fix: 'add IF EXISTS' },
  DropSubscriptionStmt: { ok: (n) => n.missing_ok === true, fix: 'add IF EXISTS' },
  CreatedbStmt: { ok: () => false, fix: 'CREATE DATABASE has no IF NOT EXISTS form: create databases outside migrations' },
  CreateTableSpaceStmt: { ok: () => false, fix: 'CREATE TABLESPACE has no IF NOT EXISTS form: create tablespaces outside migrations' },
  AlterTableStmt: {
    ok: () => false,
    fix: 'DETACH PARTITION CONCURRENTLY fails once the partition is detached, and an interrupted one must be completed with ALTER TABLE ... DETACH PARTITION ... FINALIZE: run it by hand, outside migrations',
  },
};

/** `require-rerunnable-statements`: statements that run alone, outside a transaction, and fail when run twice. */
export function checkRerunnable({ statement, report }: RuleContext): void {
  const command = nonTransactionalCommand(statement.node);
  if (command === undefined) return;
  const [kind, body] = Object.entries(statement.node)[0] ?? [];
  const rule = kind ? BY_KIND[kind] : undefined;
  if (!rule || rule.ok((body ?? {}) as Record<string, unknown>)) return;
  const line = statement.text.split('\n')[0]!.trim();
  report({
    ruleId: 'require-rerunnable-statements',
    at: statement.start,
    message:
      `${command} runs outside a transaction, with its progress recorded separately: if the run stops between the two, ` +
      `rds-migrate runs \`${line.length > 80 ? `${line.slice(0, 79)}…` : line}\` again and it fails, because its work is already done.`,
    suggestion: `Make it re-runnable: ${rule.fix}.`,
  });
}
