import type { DropStmt, IndexStmt, Node, ReindexStmt } from 'libpg-query';
import { relationKey, relationOf, relationOfNameList, relationSql } from '../relation-name';
import type { RuleContext } from './rule-context';

/**
 * Index builds and drops. PostgreSQL docs, CREATE INDEX "Building Indexes Concurrently": a plain
 * build locks the table against writes (SHARE lock) for the whole build; CONCURRENTLY takes a SHARE
 * UPDATE EXCLUSIVE lock and lets writes go on, at the price of two table scans and no transaction
 * block. DROP INDEX takes an ACCESS EXCLUSIVE lock on the table unless CONCURRENTLY. REINDEX locks
 * out writes (and reads through the index) unless CONCURRENTLY (PostgreSQL 12+).
 */

const INVALID_INDEX_NOTE =
  'A failed concurrent build leaves an INVALID index behind (pg_index.indisvalid = false); rds-migrate drops it before retrying the statement.\n' +
  'On a partitioned table (no CONCURRENTLY there): CREATE INDEX ... ON ONLY the parent, build each partition\'s index CONCURRENTLY, then ALTER INDEX ... ATTACH PARTITION each one.';

/** `require-concurrent-index-creation`: CREATE INDEX without CONCURRENTLY on a table the migration did not create. */
export function checkIndexCreation({ statement, state, report }: RuleContext): void {
  const stmt = (statement.node as { IndexStmt?: IndexStmt }).IndexStmt;
  if (!stmt || stmt.concurrent) return;
  const table = relationOf(stmt.relation);
  if (!table || state.isNewTable(table)) return;
  const name = relationKey(table);
  const insertion = ` CONCURRENTLY${!stmt.if_not_exists && stmt.idxname ? ' IF NOT EXISTS' : ''}`;
  const rewritten = statement.textWithInsertionAfter(statement.keyword('INDEX'), insertion);
  const naming = stmt.idxname ? '' : '\nName the index, so that IF NOT EXISTS can make the statement re-runnable.';
  report({
    ruleId: 'require-concurrent-index-creation',
    at: statement.start,
    relation: table,
    message: `CREATE INDEX on existing table ${name} without CONCURRENTLY: the build holds a SHARE lock that blocks every INSERT, UPDATE and DELETE on ${name} until it finishes.`,
    suggestion: `Build it concurrently, in a migration of its own (CONCURRENTLY cannot run inside a transaction; rds-migrate runs such a migration statement by statement):\n${rewritten};${naming}\n${INVALID_INDEX_NOTE}`,
  });
}

/** `require-concurrent-index-deletion`: DROP INDEX without CONCURRENTLY, for indexes the migration did not create. */
export function checkIndexDeletion({ statement, state, report }: RuleContext): void {
  const stmt = (statement.node as { DropStmt?: DropStmt }).DropStmt;
  if (!stmt || stmt.removeType !== 'OBJECT_INDEX' || stmt.concurrent) return;
  const indexes = (stmt.objects ?? [])
    .map((object) => relationOfNameList((object as { List?: { items?: Node[] } }).List?.items))
    .filter((index) => index !== undefined && !state.createdIndexes.has(index));
  for (const index of indexes) {
    if (!index) continue;
    const cascade = stmt.behavior === 'DROP_CASCADE' ? ' CONCURRENTLY does not allow CASCADE: drop the dependent objects first.' : '';
    report({
      ruleId: 'require-concurrent-index-deletion',
      at: statement.start,
      relation: index,
      message: `DROP INDEX ${relationKey(index)} without CONCURRENTLY takes an ACCESS EXCLUSIVE lock on its table: every read and write of the table waits for it, and for whatever it waits on.`,
      suggestion: `Drop it concurrently (one index per statement, in a migration of its own, outside a transaction):\nDROP INDEX CONCURRENTLY IF EXISTS ${relationSql(index)};${cascade}`,
    });
  }
}

function isConcurrent(params: readonly Node[] | undefined): boolean {
  return (params ?? []).some((param) => {
    const def = (param as { DefElem?: { defname?: string; arg?: Node } }).DefElem;
    if (def?.defname !== 'concurrently') return false;
    const arg = def.arg as { Boolean?: { boolval?: boolean }; String?: { sval?: string }; Integer?: { ival?: number } } | undefined;
    if (arg?.Boolean) return arg.Boolean.boolval === true;
    if (arg?.Integer) return (arg.Integer.ival ?? 0) !== 0;
    if (arg?.String) return !['false', 'off', '0', 'no'].includes((arg.String.sval ?? '').toLowerCase());
    return true;
  });
}

const REINDEX_KINDS: Readonly<Record<string, string>> = {
  REINDEX_OBJECT_INDEX: 'INDEX',
  REINDEX_OBJECT_TABLE: 'TABLE',
  REINDEX_OBJECT_SCHEMA: 'SCHEMA',
  REINDEX_OBJECT_DATABASE: 'DATABASE',
  REINDEX_OBJECT_SYSTEM: 'SYSTEM',
};

/** `require-concurrent-reindex`: REINDEX without CONCURRENTLY. */
export function checkReindex({ statement, state, report }: RuleContext): void {
  const stmt = (statement.node as { ReindexStmt?: ReindexStmt }).ReindexStmt;
  if (!stmt || isConcurrent(stmt.params)) return;
  const kind = REINDEX_KINDS[stmt.kind ?? ''] ?? 'TABLE';
  const relation = relationOf(stmt.relation);
  if (relation && kind === 'TABLE' && state.isNewTable(relation)) return;
  const target = relation ? relationSql(relation) : (stmt.name ?? '');
  const what = relation ? `${kind.toLowerCase()} ${relationKey(relation)}` : `${kind.toLowerCase()}${stmt.name ? ` ${stmt.name}` : ''}`;
  report({
    ruleId: 'require-concurrent-reindex',
    at: statement.start,
    ...(relation ? { relation } : {}),
    message: `REINDEX of ${what} without CONCURRENTLY locks out writes to each table (and reads that would use its indexes) for the whole rebuild.`,
    suggestion:
      kind === 'SYSTEM'
        ? 'System catalogs cannot be reindexed concurrently: leave REINDEX SYSTEM out of migrations and run it in a maintenance window.'
        : `Rebuild concurrently (PostgreSQL 12+, outside a transaction, in a migration of its own):\nREINDEX ${kind} CONCURRENTLY ${target};`,
  });
}
