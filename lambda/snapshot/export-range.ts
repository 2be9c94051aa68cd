import type { Executor, SqlParams } from '../driver/driver';
import type { BlockRange } from './block-ranges';
import { readPackedPage, type PieceRow } from './packed-page';
import { rangePageQuery, type RangeShape } from './page-query';
import { nextPageRows, type PAGE_ROWS_GROWTH, type PagingOptions } from './paging-options';
import type { SnapshotTable } from './table-catalog';

export interface ExportedRange {
  /** Rows delivered (each one line ending in `\n`). */
  readonly rows: number;
  /** Bytes delivered. */
  readonly bytes: number;
  /** Statements run. */
  readonly pages: number;
}

/** The Data API's limit on one SQL string, in characters. */
const MAX_SQL_CHARS = 65_536;

/** How a range is read: see {@link exportRange}. */
export interface ExportRangeOptions {
  /**
   * Ask for the next page before the last is delivered (one call in flight); false: after, when several
   * workers already overlap their calls, to hold one page per worker. @default true
   */
  readonly prefetch?: boolean;
  /**
   * Rows the first page asks for (its `LIMIT`), e.g. from the bytes per row measured on the table's
   * earlier ranges (`BlockRangeCursor.pageRows`). @default paging.initialPageRows (then growing, at most
   * {@link PAGE_ROWS_GROWTH} times a page)
   */
  readonly pageRows?: number;
}

/**
 * Exports the rows of one range of heap blocks (`block-ranges.ts`) through `executor` as lines
 * (`paging.lineFormat`) in physical order, handing each page's bytes to `deliver` in order. Every page asks for at most a number of
 * rows (`LIMIT`), and PostgreSQL renders only those (`rangePageQuery`), so each row is rendered about
 * once however many pages its range takes (issue #4): the first page's from `options.pageRows`, the next
 * ones' from the bytes per row just measured (`nextPageRows`: as many as fill the budget, at most 4 times
 * the last page's). The first page is asked for whole without the window pass: all the range's rows
 * rendered as scanned (`whole`, the cheapest) when its blocks cannot hold much more than a page
 * (`range.fullBytes` at most two pages), else its first rows (`head`); when they do not fit, they are read
 * again cut to the budget (`range`), then the rest of the range after the last row returned (`rest`) until
 * a page returns fewer rows than it asked for, and the pieces of a row larger than a page one page at a
 * time (`within`).
 *
 * @param table the table's exported columns (every relation of a table renders them in the table's order),
 *   and whether its rows may render a raw line break (`SnapshotTable.mayHoldLineBreaks`, default true)
 * @throws {Error} on a page that breaks the page statement's invariants; the driver's error; `deliver`'s error
 */
export async function exportRange(
  executor: Executor,
  range: BlockRange,
  table: Pick<SnapshotTable, 'columns' | 'mayHoldLineBreaks'>,
  paging: PagingOptions,
  deliver: (data: Buffer[]) => Promise<void>,
  options: ExportRangeOptions = {},
): Promise<ExportedRange> {
  const prefetch = options.prefetch ?? true;
  const name = `${range.relation.schema}.${range.relation.table} blocks ${range.fromBlock}-${range.toBlock}`;
  const statement = (shape: RangeShape) => {
    const sql = rangePageQuery(range.relation, [...table.columns], shape, paging.lineFormat, table.mayHoldLineBreaks ?? true);
    if (sql.length > MAX_SQL_CHARS) throw new Error(`The page query of ${name} is ${sql.length} characters, over the Data API's ${MAX_SQL_CHARS}`);
    return sql;
  };
  const fixed = { budget: paging.responseBudgetBytes, pieceBytes: paging.pieceBytes, overhead: paging.recordOverheadBytes, toBlock: range.toBlock };
  const executeOptions = paging.format === 'json' ? { formatRecordsAs: 'JSON' as const } : undefined;
  const fetch = (shape: RangeShape, params: SqlParams) => executor.execute<PieceRow>(statement(shape), params, executeOptions);

  let limit = Math.max(1, Math.min(paging.maxPageRows, Math.floor(options.pageRows ?? paging.initialPageRows)));
  // A range of few blocks is read whole, rendered as scanned; a larger one (grown over sparse blocks) page by page.
  const firstShape: RangeShape = range.fullBytes === undefined || range.fullBytes <= 2 * ((paging.responseBudgetBytes * 3) / 4) ? 'whole' : 'head';
  let request: { shape: RangeShape; firstPiece: number; limit: number } | null = { shape: firstShape, firstPiece: 1, limit: firstShape === 'whole' ? Infinity : limit };
  let inFlight: Promise<{ rows: PieceRow[] }> | null = fetch(firstShape, { ...fixed, fromBlock: range.fromBlock, fromPiece: 1, ...(firstShape === 'head' ? { limit } : {}) });
  let rows = 0;
  let bytes = 0;
  let pages = 0;
  try {
    while (inFlight && request) {
      const answer = await inFlight;
      inFlight = null;
      pages += 1;
      const first = answer.rows[0];
      if ((request.shape === 'whole' || request.shape === 'head') && first?.piece_no === 0) {
        // The rows do not fit one page: read them again cut to the budget, as many as fit at their size.
        const perRow = (first.piece_count * (4 * Math.ceil(paging.pieceBytes / 3) + 4 + paging.recordOverheadBytes)) / Math.max(1, first.rows);
        limit = Math.max(1, Math.min(request.limit, paging.maxPageRows, Math.floor(paging.responseBudgetBytes / perRow)));
        request = { shape: 'range', firstPiece: 1, limit };
        inFlight = fetch('range', { ...fixed, fromBlock: range.fromBlock, fromPiece: 1, limit });
        continue;
      }
      const page = readPackedPage(answer.rows, request.firstPiece, 1, paging.recordOverheadBytes, name, paging.lineFormat);
      if (!page) {
        if (request.shape === 'within') throw new Error(`${name}: the row at ${JSON.stringify(fixed)} disappeared while it was being read`);
        break;
      }
      // A page of whole rows sizes the next one.
      if (request.shape !== 'within' && page.complete) limit = nextPageRows(paging, page.responseBytes, page.rows);
      let next: { shape: RangeShape; firstPiece: number; params: SqlParams } | null = null;
      const rest = { shape: 'rest' as const, firstPiece: 1, params: { ...fixed, k0: page.key[0]!, fromPiece: 1, limit } };
      if (!page.complete) next = { shape: 'within', firstPiece: page.lastPiece + 1, params: { ...fixed, k0: page.key[0]!, fromPiece: page.lastPiece + 1 } };
      // The large row is complete: the rows of the range after it, if any.
      else if (request.shape === 'within') next = rest;
      // Cut to the budget, or as many rows as asked for: there may be more.
      else if (page.rows < page.candidates || page.candidates >= request.limit) next = rest;
      if (next && prefetch) {
        inFlight = fetch(next.shape, next.params);
        inFlight.catch(() => undefined);
      }
      await deliver(page.data);
      if (next && !prefetch) inFlight = fetch(next.shape, next.params);
      bytes += page.bytes;
      if (page.complete) rows += page.rows;
      request = next && { shape: next.shape, firstPiece: next.firstPiece, limit };
    }
  } catch (error) {
    await inFlight?.catch(() => undefined);
    throw error;
  }
  return { rows, bytes, pages };
}
