import type { Node, ScanToken } from 'libpg-query';
import type { BundledStatement } from './bundle';
import { MigrationCompileError } from './compile-error';
import { nonTransactionalCommand } from './non-transactional';
import { SourceText } from './source-text';
import { parseSql, scanSql } from './sql-parser';
import { transactionControlCommand } from './transaction-control';

/** A statement as the splitter found it, with the command that keeps it out of a transaction. */
export interface ParsedStatement extends BundledStatement {
  /** When `nonTransactional`: the command PostgreSQL names when refusing it, e.g. `CREATE INDEX CONCURRENTLY`. */
  readonly nonTransactionalCommand?: string;
}

const COMMENT_TOKENS = new Set(['SQL_COMMENT', 'C_COMMENT']);
const BYTE_ORDER_MARK = '\uFEFF';

/**
 * Splits a SQL file into its statements with the PostgreSQL parser, so that semicolons inside
 * strings (`'a;b'`, `E'\';'`), dollar-quoted bodies (`$$ ...; $$`, `$fn$ ... $fn$`), quoted
 * identifiers and comments (`--`, nested `/* ... *\/`) never split a statement.
 *
 * Each statement keeps its exact original text, from its first token to its last: comments inside
 * it survive, comments and whitespace around it and the `;` after it are dropped. `line` is the
 * 1-based line of its first token. Empty statements (`;;`) and a file of only comments or whitespace
 * give no statements. A leading UTF-8 byte order mark is ignored.
 *
 * Call `await loadSqlParser()` (sql-parser.ts) once before.
 *
 * @param sql the file's text
 * @param file the path named in errors, e.g. `migrations/0022_add_ocr_indexes/up.sql`
 * @throws {MigrationCompileError} `file:line:column: <parser message>` on a syntax error;
 *   `file:line: ...` for a transaction control statement (BEGIN, COMMIT, ROLLBACK, SAVEPOINT, ...),
 *   which a migration may not contain because the runner manages the transaction; `file:line:column`
 *   for a NUL character, which PostgreSQL does not accept in SQL text
 */
export function splitStatements(sql: string, file: string): BundledStatement[] {
  return parseStatements(sql, file).map(({ sql: text, line, nonTransactional }) => ({ sql: text, line, nonTransactional }));
}

/** {@link splitStatements}, keeping the non-transactional command's name for error messages. */
export function parseStatements(sql: string, file: string): ParsedStatement[] {
  return parseScript(sql, file).statements;
}

/** A comment of a script (`--` line comment or `/* *\/` block comment), as the scanner found it. */
export interface ScriptComment {
  /** The comment's text, delimiters included. */
  readonly text: string;
  readonly kind: 'line' | 'block';
  /** 1-based line and column (characters) where it starts. */
  readonly line: number;
  readonly column: number;
}

/** The `BEGIN; ... COMMIT;` a script wrapped itself in (allowed by {@link ParseScriptOptions.allowTransactionWrapper}). */
export interface TransactionWrapper {
  /** 1-based lines of the BEGIN (or START TRANSACTION) and of the COMMIT (or END). */
  readonly beginLine: number;
  readonly commitLine: number;
}

/** A script split into statements, with its comments. */
export interface ParsedScript {
  /** The statements, without a transaction wrapper's BEGIN and COMMIT. */
  readonly statements: ParsedStatement[];
  /** The comments in file order (the header's directives are read from them). */
  readonly comments: ScriptComment[];
  /** Present when the script wrapped its whole content in BEGIN; ... COMMIT; (and that was allowed). */
  readonly wrapper?: TransactionWrapper;
}

export interface ParseScriptOptions {
  /**
   * Accept a script whose first statement is a plain `BEGIN` (or `START TRANSACTION`) and last a
   * plain `COMMIT` (or `END`), with no other transaction control, as golang-migrate scripts are often
   * written: the two are dropped and reported as {@link ParsedScript.wrapper}. @default false
   */
  readonly allowTransactionWrapper?: boolean;
}

/**
 * {@link splitStatements} with the script's comments and, when allowed, its transaction wrapper.
 * @throws {MigrationCompileError} as {@link splitStatements}; transaction control other than an
 *   allowed wrapper is refused at its line
 */
export function parseScript(sql: string, file: string, options: ParseScriptOptions = {}): ParsedScript {
  const source = new SourceText(sql.startsWith(BYTE_ORDER_MARK) ? sql.slice(BYTE_ORDER_MARK.length) : sql);
  rejectNul(source, file);
  if (source.text.trim() === '') return { statements: [], comments: [] }; // the parser refuses an empty string

  const parsed = parseSql(source.text);
  if (!parsed.ok) {
    const { message, cursor } = parsed.error;
    const position = cursor === undefined ? undefined : source.positionAtCodePoint(cursor);
    const hint = /at or near "\\/.test(message) ? ' (psql meta-commands such as \\connect or \\i are not SQL and cannot run in a migration)' : '';
    throw new MigrationCompileError(`${message}${hint}`, file, position?.line, position?.column);
  }

  const scanned = scanSql(source.text);
  const tokens = scanned.filter((token) => !COMMENT_TOKENS.has(token.tokenName));
  const statements: ParsedStatement[] = [];
  const controls: Array<{ index: number; command: string; line: number; plain: boolean }> = [];
  let next = 0; // index of the first token not yet assigned to a statement
  for (const raw of parsed.stmts) {
    const start = raw.stmt_location ?? 0; // absent for the first statement: offset 0
    const end = raw.stmt_len ? start + raw.stmt_len : source.byteLength; // absent for the last one without `;`
    while (next < tokens.length && (tokens[next] as ScanToken).start < start) next++;
    const first = tokens[next];
    let last: ScanToken | undefined;
    while (next < tokens.length && (tokens[next] as ScanToken).end <= end) last = tokens[next++];
    if (first === undefined || last === undefined || raw.stmt === undefined) continue;

    const line = source.lineAtByte(first.start);
    const control = transactionControlCommand(raw.stmt);
    if (control !== undefined) {
      controls.push({ index: statements.length, command: control, line, plain: isPlainWrapperEnd(raw.stmt) });
    }
    const command = nonTransactionalCommand(raw.stmt);
    statements.push({
      sql: source.sliceBytes(first.start, last.end),
      line,
      nonTransactional: command !== undefined,
      ...(command !== undefined ? { nonTransactionalCommand: command } : {}),
    });
  }
  const comments = scanned
    .filter((token) => COMMENT_TOKENS.has(token.tokenName))
    .map((token): ScriptComment => {
      const { line, column } = source.positionAtByte(token.start);
      return { text: source.sliceBytes(token.start, token.end), kind: token.tokenName === 'SQL_COMMENT' ? 'line' : 'block', line, column };
    });
  if (controls.length === 0) return { statements, comments };

  const [begin, commit] = controls;
  const wraps =
    options.allowTransactionWrapper === true &&
    controls.length === 2 &&
    begin !== undefined &&
    commit !== undefined &&
    begin.index === 0 &&
    (begin.command === 'BEGIN' || begin.command === 'START TRANSACTION') &&
    begin.plain &&
    commit.index === statements.length - 1 &&
    commit.command === 'COMMIT' &&
    commit.plain;
  if (wraps) {
    return { statements: statements.slice(1, -1), comments, wrapper: { beginLine: begin.line, commitLine: commit.line } };
  }
  const offending = controls[0] as (typeof controls)[number];
  const hint = options.allowTransactionWrapper
    ? ' (a script may only wrap its whole content in a plain BEGIN; ... COMMIT;, which is dropped)'
    : '';
  throw new MigrationCompileError(
    `${offending.command} is not allowed in a migration: rds-migrate runs each migration in a transaction of its own ` +
      `(or statement by statement when it holds statements that cannot run in one). Remove it.${hint}`,
    file,
    offending.line,
  );
}

/** A BEGIN / START TRANSACTION without options, or a COMMIT without AND CHAIN: what a wrapper may use. */
function isPlainWrapperEnd(stmt: Node): boolean {
  if (!('TransactionStmt' in stmt)) return false;
  const { options, chain } = stmt.TransactionStmt;
  return (options ?? []).length === 0 && chain !== true;
}

function rejectNul(source: SourceText, file: string): void {
  const index = source.text.indexOf('\u0000');
  if (index < 0) return;
  const { line, column } = source.positionAtIndex(index);
  throw new MigrationCompileError('contains a NUL character (U+0000), which PostgreSQL does not accept in SQL text', file, line, column);
}
