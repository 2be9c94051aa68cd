import type { Executor, SqlParams } from '../driver/driver';
import type { BlockRange } from './block-ranges';
import { readPackedPage, type PieceRow } from './packed-page';
import { rangePageQuery, type RangeShape } from './page-query';
import type { PagingOptions } from './paging-options';
import type { SnapshotTable } from './table-catalog';

export interface ExportedRange {
  /** Rows delivered (each one JSON line ending in `\n`). */
  readonly rows: number;
  /** Bytes delivered. */
  readonly bytes: number;
  /** Statements run. */
  readonly pages: number;
}

/** The Data API's limit on one SQL string, in characters. */
const MAX_SQL_CHARS = 65_536;

/**
 * Exports the rows of one range of heap blocks (`block-ranges.ts`) through `executor` as JSON lines in
 * physical order, handing each page's bytes to `deliver` in order: usually one page (ranges are sized to
 * fill one), asked for whole (`rangePageQuery`'s cheaper `whole` shape); when the rows do not fit, the
 * range again cut to the budget, the rest of it after the last row returned, and the pieces of a row
 * larger than a page one page at a time (the `range`, `rest` and `within` shapes). With
 * `prefetch` (default) the next page is requested before the last is delivered (one call in flight); without,
 * after (when several workers already overlap their calls, to hold one page per worker).
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
  prefetch = true,
): Promise<ExportedRange> {
  const name = `${range.relation.schema}.${range.relation.table} blocks ${range.fromBlock}-${range.toBlock}`;
  const statement = (shape: RangeShape) => {
    const sql = rangePageQuery(range.relation, [...table.columns], shape, table.mayHoldLineBreaks ?? true);
    if (sql.length > MAX_SQL_CHARS) throw new Error(`The page query of ${name} is ${sql.length} characters, over the Data API's ${MAX_SQL_CHARS}`);
    return sql;
  };
  const fixed = { budget: paging.responseBudgetBytes, pieceBytes: paging.pieceBytes, overhead: paging.recordOverheadBytes, toBlock: range.toBlock };
  const executeOptions = paging.format === 'json' ? { formatRecordsAs: 'JSON' as const } : undefined;
  const fetch = (shape: RangeShape, params: SqlParams) => executor.execute<PieceRow>(statement(shape), params, executeOptions);

  let request: { shape: RangeShape; firstPiece: number } | null = { shape: 'whole', firstPiece: 1 };
  let inFlight: Promise<{ rows: PieceRow[] }> | null = fetch('whole', { ...fixed, fromBlock: range.fromBlock, fromPiece: 1 });
  let rows = 0;
  let bytes = 0;
  let pages = 0;
  try {
    while (inFlight && request) {
      const answer = await inFlight;
      inFlight = null;
      pages += 1;
      if (request.shape === 'whole' && answer.rows[0]?.piece_no === 0) {
        // The range's rows do not fit one page: read them again, cut to the budget.
        request = { shape: 'range', firstPiece: 1 };
        inFlight = fetch('range', { ...fixed, fromBlock: range.fromBlock, fromPiece: 1 });
        continue;
      }
      const page = readPackedPage(answer.rows, request.firstPiece, 1, paging.recordOverheadBytes, name);
      if (!page) {
        if (request.shape === 'within') throw new Error(`${name}: the row at ${JSON.stringify(fixed)} disappeared while it was being read`);
        break;
      }
      let next: { shape: RangeShape; firstPiece: number; params: SqlParams } | null = null;
      if (!page.complete) next = { shape: 'within', firstPiece: page.lastPiece + 1, params: { ...fixed, k0: page.key[0]!, fromPiece: page.lastPiece + 1 } };
      else if (request.shape !== 'within' && page.rows < page.candidates) next = { shape: 'rest', firstPiece: 1, params: { ...fixed, k0: page.key[0]!, fromPiece: 1 } };
      else if (request.shape === 'within') {
        // The large row is complete: the rows of the range after it, if any.
        next = { shape: 'rest', firstPiece: 1, params: { ...fixed, k0: page.key[0]!, fromPiece: 1 } };
      }
      if (next && prefetch) {
        inFlight = fetch(next.shape, next.params);
        inFlight.catch(() => undefined);
      }
      await deliver(page.data);
      if (next && !prefetch) inFlight = fetch(next.shape, next.params);
      bytes += page.bytes;
      if (page.complete) rows += page.rows;
      request = next;
    }
  } catch (error) {
    await inFlight?.catch(() => undefined);
    throw error;
  }
  return { rows, bytes, pages };
}
