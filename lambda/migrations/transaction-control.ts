import type { Node, TransactionStmtKind } from 'libpg-query';

/**
 * Transaction control statements (docs: SQL Commands, BEGIN/START TRANSACTION, COMMIT/END,
 * ROLLBACK/ABORT, SAVEPOINT, RELEASE SAVEPOINT, ROLLBACK TO SAVEPOINT, PREPARE TRANSACTION,
 * COMMIT PREPARED, ROLLBACK PREPARED). A migration may not contain them: the runner opens and ends
 * each migration's transaction itself (or runs a non-transactional migration statement by
 * statement), so a COMMIT in the file would end the runner's transaction half-way through.
 */

const COMMANDS: Record<TransactionStmtKind, string> = {
  TRANS_STMT_BEGIN: 'BEGIN',
  TRANS_STMT_START: 'START TRANSACTION',
  TRANS_STMT_COMMIT: 'COMMIT',
  TRANS_STMT_ROLLBACK: 'ROLLBACK',
  TRANS_STMT_SAVEPOINT: 'SAVEPOINT',
  TRANS_STMT_RELEASE: 'RELEASE SAVEPOINT',
  TRANS_STMT_ROLLBACK_TO: 'ROLLBACK TO SAVEPOINT',
  TRANS_STMT_PREPARE: 'PREPARE TRANSACTION',
  TRANS_STMT_COMMIT_PREPARED: 'COMMIT PREPARED',
  TRANS_STMT_ROLLBACK_PREPARED: 'ROLLBACK PREPARED',
};

/**
 * The transaction control command `stmt` is (`BEGIN`, `COMMIT`, ...; `END` reads as `COMMIT` and
 * `ABORT` as `ROLLBACK`, as PostgreSQL parses them), or undefined for any other statement.
 * @param stmt a statement node of the parse tree (`RawStmt.stmt`)
 */
export function transactionControlCommand(stmt: Node): string | undefined {
  if (!('TransactionStmt' in stmt)) return undefined;
  const kind = stmt.TransactionStmt.kind;
  return kind === undefined ? 'transaction control' : COMMANDS[kind];
}
