import { loadModule, parseSync, scanSync, type Node, type ScanToken, type TypeName } from 'libpg-query';
import type { SourceText } from './source-text';

/**
 * The PostgreSQL parser (libpg-query: PostgreSQL 18's own grammar compiled to WebAssembly), wrapped
 * so that nothing it is given can throw out of the linter: a parse failure becomes a
 * {@link SqlSyntaxError} value.
 */

let loaded = false;

/**
 * Loads the parser's WebAssembly module. Call (and await) once before {@link lintSql};
 * `lintMigrations` calls it itself. Safe to call repeatedly.
 */
export async function loadLinter(): Promise<void> {
  if (loaded) return;
  await loadModule();
  loaded = true;
}

/** @throws {Error} when {@link loadLinter} has not completed: a programming error, not bad SQL. */
export function assertLinterLoaded(): void {
  if (!loaded) throw new Error('The SQL linter is not loaded: call `await loadLinter()` before lintSql().');
}

/** One top-level statement as the parser delimited it. */
export interface ParsedStatement {
  /** 0-based index in the file. */
  readonly index: number;
  /** The raw statement node, e.g. `{ IndexStmt: {...} }`. */
  readonly node: Node;
  /** Byte offset of the statement's first token (leading comments excluded). */
  readonly start: number;
  /** Byte offset just after its last token (the `;` excluded). */
  readonly end: number;
  /**
   * Byte offset where the statement's region starts: just after the previous statement's `;` (or
   * the start of the file). Comments in `[regionStart, end)` belong to this statement.
   */
  readonly regionStart: number;
  /** Byte offset just after the statement's terminating `;` (or `end` when it has none). */
  readonly regionEnd: number;
}

/** A file that parsed. */
export interface ParsedFile {
  readonly statements: ParsedStatement[];
  /** Every token of the file including comments (empty when the scanner failed). */
  readonly tokens: ScanToken[];
}

/** A file that did not parse: PostgreSQL's message and where (byte offset). */
export interface SqlSyntaxError {
  readonly message: string;
  readonly byteOffset: number;
}

const COMMENT_TOKENS = new Set(['SQL_COMMENT', 'C_COMMENT']);

/** True for `--` and `/* *\/` comment tokens. */
export function isCommentToken(token: ScanToken): boolean {
  return COMMENT_TOKENS.has(token.tokenName);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Parses a whole file.
 * - NUL characters are refused up front (PostgreSQL rejects them; the parser would stop at one).
 * - A parse error's position (characters) is converted to a byte offset.
 * - Statement start skips leading comments; the end stops at the last token before `;`.
 */
export function parseFile(source: SourceText): ParsedFile | SqlSyntaxError {
  assertLinterLoaded();
  const nul = source.text.indexOf('\u0000');
  if (nul >= 0) {
    return { message: 'the file contains a NUL character (U+0000), which PostgreSQL refuses', byteOffset: source.byteOfStringIndex(nul) };
  }
  if (source.text.trim() === '') return { statements: [], tokens: [] };

  let raw;
  try {
    raw = parseSync(source.text);
  } catch (error) {
    const cursor = (error as { sqlDetails?: { cursorPosition?: unknown } }).sqlDetails?.cursorPosition;
    const byteOffset = typeof cursor === 'number' ? source.byteOfCharacter(cursor) : 0;
    return { message: describe(error), byteOffset };
  }

  let tokens: ScanToken[] = [];
  try {
    tokens = scanSync(source.text).tokens ?? [];
  } catch {
    tokens = []; // the scanner and the parser share a lexer: this should not happen once parsing succeeded
  }
  const code = tokens.filter((t) => !isCommentToken(t));

  const statements: ParsedStatement[] = [];
  let regionStart = 0;
  let next = 0; // index into `code`; statements come in file order
  for (const rawStatement of raw.stmts ?? []) {
    const node = rawStatement.stmt;
    if (!node) continue;
    const location = rawStatement.stmt_location ?? 0;
    const rawEnd = rawStatement.stmt_len ? location + rawStatement.stmt_len : source.byteLength;
    while (next < code.length && code[next]!.start < location) next++;
    let first: ScanToken | undefined;
    let last: ScanToken | undefined;
    // `;` inside a statement (a BEGIN ATOMIC ... END function body) stays part of it: stmt_len
    // stops before the terminating one.
    while (next < code.length && code[next]!.end <= rawEnd) {
      const token = code[next]!;
      first ??= token;
      if (token.text !== ';') last = token;
      next++;
    }
    const start = first?.start ?? location;
    const end = last?.end ?? rawEnd;
    const semicolon = code[next]?.text === ';' ? code[next] : undefined;
    const regionEnd = semicolon ? semicolon.end : end;
    statements.push({ index: statements.length, node, start, end, regionStart, regionEnd });
    regionStart = regionEnd;
  }
  return { statements, tokens };
}

/** True when the value is a syntax error rather than a parsed file. */
export function isSyntaxError(value: ParsedFile | SqlSyntaxError): value is SqlSyntaxError {
  return 'message' in value;
}

/**
 * Parses one type name as PostgreSQL prints it (`format_type`: `character varying(20)`, `integer[]`)
 * into the parser's TypeName node, or undefined when it is not a type name.
 */
export function parseTypeName(text: string): TypeName | undefined {
  assertLinterLoaded();
  if (text.includes('\u0000') || text.includes(';')) return undefined;
  try {
    const parsed = parseSync(`SELECT NULL::${text}`);
    if ((parsed.stmts ?? []).length !== 1) return undefined;
    const select = parsed.stmts?.[0]?.stmt as { SelectStmt?: { targetList?: Node[] } } | undefined;
    const target = select?.SelectStmt?.targetList;
    if (target?.length !== 1) return undefined;
    const value = (target[0] as { ResTarget?: { val?: Node } }).ResTarget?.val as { TypeCast?: { typeName?: TypeName } } | undefined;
    return value?.TypeCast?.typeName;
  } catch {
    return undefined;
  }
}
