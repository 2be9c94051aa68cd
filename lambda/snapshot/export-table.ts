import type { Executor, SqlParams } from '../driver/driver';
import { keyParts, pageQuery, type PageShape } from './page-query';
import type { SnapshotTable } from './table-catalog';

/** How pages are sized. All have defaults (see {@link DEFAULT_PAGING}). */
export interface PagingOptions {
  /**
   * Estimated response bytes a page may reach: below the Data API's 1 MiB response limit, with room
   * for what the estimate leaves out. @default 921,600 (900 KiB)
   */
  readonly responseBudgetBytes: number;
  /** Rows asked for on a table's first page. @default 100 */
  readonly initialPageRows: number;
  /** Upper bound of the rows asked for per page. @default 10,000 */
  readonly maxPageRows: number;
  /**
   * Bytes of JSON text per result row piece. The Data API does not say how it measures the 64 KB row
   * limit for bytea; 30,000 bytes stay under it both as base64 (40,000, the response's blobValue) and as
   * PostgreSQL's hex text (60,002, what the server sends). @default 30,000
   */
  readonly pieceBytes: number;
  /** Estimated response bytes of one result row besides its piece (other fields, JSON framing). @default 160 */
  readonly recordOverheadBytes: number;
}

export const DEFAULT_PAGING: PagingOptions = {
  responseBudgetBytes: 900 * 1024,
  initialPageRows: 100,
  maxPageRows: 10_000,
  pieceBytes: 30_000,
  recordOverheadBytes: 160,
};

/**
 * `DEFAULT_PAGING` overridden by `overrides`, checked. Unless given, `pieceBytes` is lowered to what
 * fits the response budget as base64 with its record overhead.
 * @throws {Error} naming the `paging.<field>` at fault: budgets must stay within the Data API's limits
 *   (a response of 1 MiB; pieces whose hex text fits a 64 KB row), row counts must be positive integers
 */
export function resolvePaging(overrides: Partial<PagingOptions> = {}): PagingOptions {
  const merged: PagingOptions = { ...DEFAULT_PAGING, ...overrides };
  // A piece travels as base64 with its record overhead; by default it is made to fit a smaller budget.
  const fit = 3 * Math.floor((merged.responseBudgetBytes - merged.recordOverheadBytes) / 4);
  const paging: PagingOptions = overrides.pieceBytes === undefined ? { ...merged, pieceBytes: Math.min(merged.pieceBytes, fit) } : merged;
  const check = (field: keyof PagingOptions, min: number, max: number, why: string) => {
    const value = paging[field];
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new Error(`paging.${field}: ${value} must be an integer from ${min} to ${max} (${why})`);
    }
  };
  check('responseBudgetBytes', 4096, 1024 * 1024, "the Data API's response limit is 1 MiB");
  check('pieceBytes', 256, 32_000, "a piece's hex text must fit the Data API's 64 KB row limit");
  check('recordOverheadBytes', 0, 64 * 1024, 'bytes per result row');
  check('initialPageRows', 1, 1_000_000, 'rows');
  check('maxPageRows', 1, 1_000_000, 'rows');
  if (paging.pieceBytes > fit) {
    throw new Error(
      `paging.pieceBytes: ${paging.pieceBytes} does not fit responseBudgetBytes ${paging.responseBudgetBytes} as base64 with recordOverheadBytes ${paging.recordOverheadBytes} (at most ${fit})`,
    );
  }
  return paging;
}

/** Progress after one page. */
export interface PageProgress {
  /** Pages fetched so far for this table (statements run, including continuations of a large row). */
  readonly pages: number;
  /** Complete rows written so far. */
  readonly rows: number;
  /** Estimated response bytes of this page. */
  readonly pageBytes: number;
  /** Rows asked for by this page (`LIMIT`), or 1 for the continuation of a large row. */
  readonly pageRows: number;
}

export interface ExportTableOptions {
  readonly paging?: Partial<PagingOptions>;
  /** Called (and awaited) after each page has been written. */
  readonly onPage?: (progress: PageProgress) => void | Promise<void>;
}

export interface ExportedTable {
  /** Rows written (each one JSON line ending in `\n`). */
  readonly rowCount: number;
  /** Statements run. */
  readonly pages: number;
}

const NEWLINE = new Uint8Array([0x0a]);

/** The Data API's limit on one SQL string, in characters. */
const MAX_SQL_CHARS = 65_536;

/**
 * The next page asks for at most this many times the rows the last one returned: the server renders
 * every row it reads before cutting to the budget, so a jump in row size after a run of small rows
 * costs at most this factor of wasted work.
 */
const GROWTH = 4;

interface PieceRow {
  [column: string]: number | string | Uint8Array | null;
  row_no: number;
  candidates: number;
  piece_no: number;
  piece_count: number;
  piece: Uint8Array;
  wire: number;
}

/**
 * Exports the rows of `table` through `executor` (the snapshot's transaction) as JSON lines, in key
 * order, handing their UTF-8 bytes to `write` page by page (a row larger than the response budget
 * arrives over several pages and is written piece by piece, never held whole). Paging is keyset paging on the
 * table's key (see `page-query.ts`): each page starts after the last row of the previous one, so no row
 * is read twice or skipped. The next page's `LIMIT` is the budget divided by the bytes per row just
 * measured, at most 4 times the rows the last page returned, between 1 and `maxPageRows`.
 *
 * @throws {Error} on bad paging options (see {@link resolvePaging})
 * @throws {DatabaseError | DriverError} from the driver; the caller names the table
 */
export async function exportTable(
  executor: Executor,
  table: SnapshotTable,
  write: (chunk: Uint8Array) => Promise<void>,
  options: ExportTableOptions = {},
): Promise<ExportedTable> {
  const paging = resolvePaging(options.paging);
  const parts = keyParts(table);
  const statements: Record<PageShape, string> = {
    first: pageQuery(table, 'first'),
    after: pageQuery(table, 'after'),
    within: pageQuery(table, 'within'),
  };
  for (const sql of Object.values(statements)) {
    if (sql.length > MAX_SQL_CHARS) {
      throw new Error(`The page query of ${table.schema}.${table.table} is ${sql.length} characters, over the Data API's ${MAX_SQL_CHARS}`);
    }
  }
  const fixed = {
    budget: paging.responseBudgetBytes,
    pieceBytes: paging.pieceBytes,
    overhead: paging.recordOverheadBytes,
  };

  let lastKey = null as string[] | null;
  /** A row of which only the first pieces were returned: its key and the next piece to fetch. */
  let partial = null as { key: string[]; nextPiece: number } | null;
  let limit = Math.max(1, Math.min(paging.initialPageRows, paging.maxPageRows));
  let rowCount = 0;
  let pages = 0;

  const keyParams = (key: string[]): Record<string, string> => Object.fromEntries(key.map((v, i) => [`k${i}`, v]));

  for (;;) {
    const shape: PageShape = partial ? 'within' : lastKey ? 'after' : 'first';
    const params: SqlParams = {
      ...fixed,
      limit,
      fromPiece: partial ? partial.nextPiece : 1,
      ...(partial ? keyParams(partial.key) : lastKey ? keyParams(lastKey) : {}),
    };
    const { rows } = await executor.execute<PieceRow>(statements[shape], params);
    pages += 1;
    if (rows.length === 0) {
      if (partial) throw new Error(`row with key (${partial.key.join(', ')}) disappeared while it was being read`);
      break;
    }

    const chunks: Uint8Array[] = [];
    let pageBytes = 0;
    let completeRows = 0;
    let lastRowNo = 0;
    let lastRowKey: string[] | null = partial?.key ?? null;
    let lastPiece: PieceRow | undefined;
    let expectedPiece = 0;
    for (const row of rows) {
      pageBytes += row.wire;
      if (row.row_no !== lastRowNo) {
        if (row.row_no !== lastRowNo + 1 || (lastPiece && lastPiece.piece_no !== lastPiece.piece_count)) {
          throw new Error(`page of ${table.schema}.${table.table}: row ${row.row_no} follows an incomplete or missing row`);
        }
        lastRowNo = row.row_no;
        expectedPiece = shape === 'within' ? partial!.nextPiece : 1;
        if (row.piece_no === 1) lastRowKey = parts.map((_, i) => String(row[`k${i}`]));
      }
      if (row.piece_no !== expectedPiece) {
        throw new Error(`page of ${table.schema}.${table.table}: piece ${row.piece_no} of row ${row.row_no} where ${expectedPiece} was expected`);
      }
      expectedPiece += 1;
      chunks.push(row.piece);
      if (row.piece_no === row.piece_count) {
        chunks.push(NEWLINE);
        completeRows += 1;
      }
      lastPiece = row;
    }
    await write(Buffer.concat(chunks));

    const last = lastPiece!;
    const candidates = last.candidates;
    if (last.piece_no < last.piece_count) {
      partial = { key: lastRowKey!, nextPiece: last.piece_no + 1 };
    } else {
      partial = null;
      lastKey = lastRowKey;
    }
    rowCount += completeRows;
    await options.onPage?.({ pages, rows: rowCount, pageBytes, pageRows: shape === 'within' ? 1 : limit });

    if (shape !== 'within') {
      const rowsReturned = lastRowNo;
      const perRow = pageBytes / Math.max(1, rowsReturned);
      const endOfTable = !partial && rowsReturned === candidates && candidates < limit;
      if (endOfTable) break;
      const fit = Math.floor(paging.responseBudgetBytes / Math.max(1, perRow));
      limit = Math.max(1, Math.min(paging.maxPageRows, fit, GROWTH * Math.max(1, rowsReturned)));
    }
  }
  return { rowCount, pages };
}
