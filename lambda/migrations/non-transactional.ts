import type { Node } from 'libpg-query';
import { booleanOption, findOption } from './def-elem';

/**
 * Statements PostgreSQL refuses inside a transaction block ("... cannot run inside a transaction
 * block", SQLSTATE 25001): the commands that call `PreventInTransactionBlock` in PostgreSQL 18, as
 * listed on each command's reference page (docs: SQL Commands, e.g. CREATE INDEX "Building Indexes
 * Concurrently", VACUUM, REINDEX, CLUSTER, DISCARD, ALTER SYSTEM, CREATE/DROP DATABASE,
 * CREATE/DROP TABLESPACE, ALTER DATABASE SET TABLESPACE, ALTER TABLE DETACH PARTITION CONCURRENTLY,
 * CREATE/ALTER/DROP SUBSCRIPTION). The runner must execute such a statement on its own, outside the
 * migration's transaction.
 *
 * Deliberately not listed:
 * - `ALTER TYPE ... ADD VALUE`: allowed in a transaction block since PostgreSQL 12 (the new value
 *   cannot be used until the transaction commits);
 * - `REFRESH MATERIALIZED VIEW CONCURRENTLY` and `ANALYZE`: allowed in a transaction block;
 * - `CLUSTER <table>`: allowed unless the table is partitioned, which the parse tree cannot tell.
 *
 * Where the server decides at run time (`DROP SUBSCRIPTION` refuses only when the subscription has a
 * replication slot), the statement is flagged: running a statement outside a transaction is always
 * possible, running a flagged one inside is not.
 */

/**
 * The command PostgreSQL names when it refuses `stmt` inside a transaction block (e.g.
 * `CREATE INDEX CONCURRENTLY`), or undefined when the statement can run in one.
 * @param stmt a statement node of the parse tree (`RawStmt.stmt`)
 */
export function nonTransactionalCommand(stmt: Node): string | undefined {
  if ('IndexStmt' in stmt) return stmt.IndexStmt.concurrent ? 'CREATE INDEX CONCURRENTLY' : undefined;
  if ('DropStmt' in stmt) return stmt.DropStmt.concurrent ? 'DROP INDEX CONCURRENTLY' : undefined;
  if ('ReindexStmt' in stmt) {
    const { kind, params } = stmt.ReindexStmt;
    if (kind === 'REINDEX_OBJECT_DATABASE') return 'REINDEX DATABASE';
    if (kind === 'REINDEX_OBJECT_SYSTEM') return 'REINDEX SYSTEM';
    if (kind === 'REINDEX_OBJECT_SCHEMA') return 'REINDEX SCHEMA';
    return booleanOption(params, 'concurrently', false) ? 'REINDEX CONCURRENTLY' : undefined;
  }
  // VACUUM, with or without ANALYZE; plain ANALYZE parses to a VacuumStmt without is_vacuumcmd.
  if ('VacuumStmt' in stmt) return stmt.VacuumStmt.is_vacuumcmd ? 'VACUUM' : undefined;
  if ('ClusterStmt' in stmt) return stmt.ClusterStmt.relation ? undefined : 'CLUSTER (all tables)';
  if ('DiscardStmt' in stmt) return stmt.DiscardStmt.target === 'DISCARD_ALL' ? 'DISCARD ALL' : undefined;
  if ('AlterSystemStmt' in stmt) return 'ALTER SYSTEM';
  if ('CreatedbStmt' in stmt) return 'CREATE DATABASE';
  if ('DropdbStmt' in stmt) return 'DROP DATABASE';
  if ('CreateTableSpaceStmt' in stmt) return 'CREATE TABLESPACE';
  if ('DropTableSpaceStmt' in stmt) return 'DROP TABLESPACE';
  if ('AlterDatabaseStmt' in stmt) {
    return findOption(stmt.AlterDatabaseStmt.options, 'tablespace') ? 'ALTER DATABASE SET TABLESPACE' : undefined;
  }
  if ('AlterTableStmt' in stmt) {
    const detachesConcurrently = (stmt.AlterTableStmt.cmds ?? []).some(
      (cmd) =>
        'AlterTableCmd' in cmd &&
        cmd.AlterTableCmd.subtype === 'AT_DetachPartition' &&
        cmd.AlterTableCmd.def !== undefined &&
        'PartitionCmd' in cmd.AlterTableCmd.def &&
        cmd.AlterTableCmd.def.PartitionCmd.concurrent === true,
    );
    return detachesConcurrently ? 'ALTER TABLE ... DETACH PARTITION CONCURRENTLY' : undefined;
  }
  if ('CreateSubscriptionStmt' in stmt) {
    // create_slot defaults to true, and to false when connect = false (docs: CREATE SUBSCRIPTION).
    const options = stmt.CreateSubscriptionStmt.options;
    const createsSlot = booleanOption(options, 'create_slot', booleanOption(options, 'connect', true));
    return createsSlot ? 'CREATE SUBSCRIPTION ... WITH (create_slot = true)' : undefined;
  }
  if ('AlterSubscriptionStmt' in stmt) {
    const { kind, options } = stmt.AlterSubscriptionStmt;
    if (kind === 'ALTER_SUBSCRIPTION_REFRESH') return 'ALTER SUBSCRIPTION ... REFRESH PUBLICATION';
    const changesPublications =
      kind === 'ALTER_SUBSCRIPTION_SET_PUBLICATION' ||
      kind === 'ALTER_SUBSCRIPTION_ADD_PUBLICATION' ||
      kind === 'ALTER_SUBSCRIPTION_DROP_PUBLICATION';
    if (changesPublications && booleanOption(options, 'refresh', true)) return 'ALTER SUBSCRIPTION ... PUBLICATION with refresh';
    if (kind === 'ALTER_SUBSCRIPTION_OPTIONS' && (findOption(options, 'two_phase') || findOption(options, 'failover'))) {
      return 'ALTER SUBSCRIPTION ... SET (two_phase/failover)';
    }
    return undefined;
  }
  if ('DropSubscriptionStmt' in stmt) return 'DROP SUBSCRIPTION';
  return undefined;
}
