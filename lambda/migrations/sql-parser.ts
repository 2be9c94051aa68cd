import { hasSqlDetails, loadModule, parseSync, scanSync, type RawStmt, type ScanToken } from 'libpg-query';

/**
 * The real PostgreSQL parser (`libpg-query`, PostgreSQL 18's grammar compiled to WASM), loaded once
 * per process. Only the compiler uses it: the function reads the compiled bundle and never parses SQL.
 */

let loading: Promise<void> | undefined;
let loaded = false;

/**
 * Loads the parser's WASM module (about 1.7 MB, tens of ms). Call once before {@link parseSql} or
 * `splitStatements`; later calls return the same promise.
 */
export function loadSqlParser(): Promise<void> {
  loading ??= loadModule().then(() => {
    loaded = true;
  });
  return loading;
}

/** A parse failure as PostgreSQL reports it. */
export interface SqlSyntaxError {
  /** The parser's message, e.g. `syntax error at or near "FRM"`. */
  readonly message: string;
  /** 0-based character (code point) offset into the text, or undefined when the parser gave none. */
  readonly cursor?: number;
}

/** Raw statements of a parse, each with its byte range (`stmt_location`, `stmt_len`) and tree. */
export type ParsedSql = { readonly ok: true; readonly stmts: RawStmt[] } | { readonly ok: false; readonly error: SqlSyntaxError };

/**
 * Parses SQL text into raw statements. Never throws for bad SQL: a syntax error comes back as
 * `{ ok: false, error }`.
 * @throws {Error} when {@link loadSqlParser} has not completed
 */
export function parseSql(text: string): ParsedSql {
  assertLoaded();
  try {
    return { ok: true, stmts: parseSync(text).stmts ?? [] };
  } catch (error) {
    if (hasSqlDetails(error) && error.sqlDetails) {
      const { message, cursorPosition } = error.sqlDetails;
      // libpg-query turns PostgreSQL's 1-based cursorpos into 0-based, mapping "no position" (0) to 0 too.
      return { ok: false, error: { message, cursor: cursorPosition >= 0 ? cursorPosition : undefined } };
    }
    if (error instanceof Error) return { ok: false, error: { message: error.message } };
    throw error;
  }
}

/**
 * The lexical tokens of SQL text that {@link parseSql} accepted, comments included (token names
 * `SQL_COMMENT` and `C_COMMENT`), with byte offsets `start` (inclusive) and `end` (exclusive).
 * @throws {Error} when {@link loadSqlParser} has not completed
 */
export function scanSql(text: string): ScanToken[] {
  assertLoaded();
  return scanSync(text).tokens;
}

function assertLoaded(): void {
  if (!loaded) throw new Error('The SQL parser is not loaded: await loadSqlParser() before splitting or compiling SQL.');
}
