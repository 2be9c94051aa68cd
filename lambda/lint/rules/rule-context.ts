import type { AlterTableCmd, AlterTableStmt } from 'libpg-query';
import type { MigrationState, SchemaKnowledge } from '../migration-state';
import { relationOf, relationSql, type RelationRef } from '../relation-name';
import type { Candidate, StatementView } from '../statement-view';

/** What a rule sees when it checks one statement. */
export interface RuleContext {
  readonly statement: StatementView;
  /** The migration so far (before this statement): tables it created, constraints added NOT VALID. */
  readonly state: MigrationState;
  /** Column types and constraints learned from earlier statements (and the database). */
  readonly knowledge: SchemaKnowledge;
  report(candidate: Candidate): void;
}

/** A rule check: looks at one statement and reports candidates. */
export type StatementRule = (context: RuleContext) => void;

/** One sub-command of ALTER TABLE with where it starts and its own text. */
export interface AlterCommand {
  readonly cmd: AlterTableCmd;
  /** Byte offset of the sub-command (`ALTER COLUMN ...`). */
  readonly at: number;
  /** The sub-command as written. */
  readonly text: string;
}

/** The ALTER TABLE statement's table and sub-commands, or undefined for any other statement. */
export function alterTable(statement: StatementView): { table: RelationRef; commands: AlterCommand[] } | undefined {
  const stmt = (statement.node as { AlterTableStmt?: AlterTableStmt }).AlterTableStmt;
  if (!stmt || (stmt.objtype !== undefined && stmt.objtype !== 'OBJECT_TABLE')) return undefined;
  const table = relationOf(stmt.relation);
  if (!table) return undefined;
  const raw = (stmt.cmds ?? []).map((c) => (c as { AlterTableCmd?: AlterTableCmd }).AlterTableCmd).filter((c) => c !== undefined);
  const starts = raw.map((_, i) => statement.commandStart(i, stmt.relation?.location, raw.length));
  const commands = raw.map((cmd, i) => {
    const at = starts[i]!;
    const next = starts[i + 1];
    const end = next !== undefined && next > at ? statement.endOfTokensBefore(next) : statement.parsed.end;
    const text = at === statement.start && raw.length > 1 ? statement.text : statement.slice(at, end);
    return { cmd, at, text };
  });
  return { table, commands };
}

/** `ALTER TABLE <table>` for suggestions. */
export function alterTablePrefix(table: RelationRef): string {
  return `ALTER TABLE ${relationSql(table)}`;
}
