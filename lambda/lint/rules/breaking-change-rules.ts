import type { DropStmt, Node, RenameStmt, TruncateStmt } from 'libpg-query';
import { relationKey, relationOf, relationOfNameList, relationSql } from '../relation-name';
import { alterTable, type RuleContext } from './rule-context';

/**
 * Changes that break the code running against the database: during a deploy the previous release
 * keeps running until it is replaced, and after it any code not updated still uses the old names.
 * Dropping or renaming a table or column is allowed with an explicit acknowledgement (a suppression
 * comment stating why no code uses it any more). TRUNCATE ... CASCADE silently empties tables the
 * migration does not name (PostgreSQL docs, TRUNCATE: "CASCADE: automatically truncate all tables
 * that have foreign-key references to any of the named tables").
 */

function acknowledge(ruleId: string, what: string): string {
  return `Once no deployed code uses ${what}, acknowledge it right above the statement:\n-- rds-migrate-lint-ignore ${ruleId}: <why nothing uses it any more, e.g. unused since release X>`;
}

/** `ban-drop-table`: DROP TABLE of a table the migration did not create. */
export function checkDropTable({ statement, state, report }: RuleContext): void {
  const stmt = (statement.node as { DropStmt?: DropStmt }).DropStmt;
  if (!stmt || stmt.removeType !== 'OBJECT_TABLE') return;
  for (const object of stmt.objects ?? []) {
    const table = relationOfNameList((object as { List?: { items?: Node[] } }).List?.items);
    if (!table || state.isNewTable(table)) continue;
    const name = relationKey(table);
    report({
      ruleId: 'ban-drop-table',
      at: statement.start,
      message: `DROP TABLE ${name}: code still using it (the release running during the deploy, anything not updated) fails, and its rows are gone; only a snapshot taken before can restore them.`,
      suggestion: `Stop using ${name} in a release first; drop it in a later migration, after a snapshot. ${acknowledge('ban-drop-table', name)}`,
    });
  }
}

/** `ban-drop-column`: ALTER TABLE ... DROP COLUMN on a table the migration did not create. */
export function checkDropColumn({ statement, state, report }: RuleContext): void {
  const alter = alterTable(statement);
  if (!alter || state.isNewTable(alter.table)) return;
  for (const { cmd, at } of alter.commands) {
    if (cmd.subtype !== 'AT_DropColumn' || !cmd.name) continue;
    const column = `${relationKey(alter.table)}.${cmd.name}`;
    report({
      ruleId: 'ban-drop-column',
      at,
      message: `Dropping column ${column} breaks code that still reads or writes it: the release running during the deploy, and ORMs that name every column they know.`,
      suggestion: `Remove every use of ${column} in a release first (an ORM must stop mapping it), then drop it in a later migration. ${acknowledge('ban-drop-column', column)}`,
    });
  }
}

/** `ban-rename-column` and `ban-rename-table`: RENAME of an existing table or column. */
export function checkRename({ statement, state, report }: RuleContext): void {
  const stmt = (statement.node as { RenameStmt?: RenameStmt }).RenameStmt;
  if (!stmt?.newname) return;
  const table = relationOf(stmt.relation);
  if (!table || state.isNewTable(table)) return;
  const name = relationKey(table);
  if (stmt.renameType === 'OBJECT_COLUMN' && stmt.relationType === 'OBJECT_TABLE' && stmt.subname) {
    report({
      ruleId: 'ban-rename-column',
      at: statement.start,
      message: `Renaming ${name}.${stmt.subname} to ${stmt.newname} breaks every query still using ${stmt.subname}, starting with the release running during the deploy.`,
      suggestion:
        `Expand and contract: add ${stmt.newname}, write both columns, backfill ${stmt.newname}, switch reads, then drop ${stmt.subname} in a later release. ` +
        acknowledge('ban-rename-column', `${name}.${stmt.subname}`),
    });
  } else if (stmt.renameType === 'OBJECT_TABLE') {
    report({
      ruleId: 'ban-rename-table',
      at: statement.start,
      message: `Renaming table ${name} to ${stmt.newname} breaks every query still using ${name}, starting with the release running during the deploy.`,
      suggestion:
        `Keep the old name working while code moves over: a simple view is updatable.\n` +
        `ALTER TABLE ${relationSql(table)} RENAME TO ${stmt.newname};\nCREATE VIEW ${relationSql(table)} AS SELECT * FROM ${table.schema ? `${table.schema}.` : ''}${stmt.newname};\n` +
        `-- drop the view in a later migration. ${acknowledge('ban-rename-table', name)}`,
    });
  }
}

/** `ban-truncate-cascade`: TRUNCATE ... CASCADE. */
export function checkTruncateCascade({ statement, report }: RuleContext): void {
  const stmt = (statement.node as { TruncateStmt?: TruncateStmt }).TruncateStmt;
  if (!stmt || stmt.behavior !== 'DROP_CASCADE') return;
  const tables = (stmt.relations ?? []).map((r) => relationOf((r as { RangeVar?: Parameters<typeof relationOf>[0] }).RangeVar)).filter((t) => t !== undefined);
  const list = tables.map(relationKey).join(', ');
  report({
    ruleId: 'ban-truncate-cascade',
    at: statement.start,
    message: `TRUNCATE ${list} CASCADE also empties every table with a foreign key to ${list}, and the tables referencing those in turn: rows of tables this migration does not name are deleted.`,
    suggestion: `Name every table to empty; without CASCADE, TRUNCATE fails if another table still references them, which is the check you want:\nTRUNCATE ${tables.map(relationSql).join(', ')}, <each referencing table>;`,
  });
}
