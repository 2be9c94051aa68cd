import type { Executor, SqlParams } from '../driver/driver';
import { keyParts, pageQuery, type PageShape } from './page-query';
import { readPackedPage, type PieceRow } from './packed-page';
import { nextPageRows, resolvePaging, type PagingOptions } from './paging-options';
import type { SnapshotTable } from './table-catalog';

export { DEFAULT_PAGING, DEFAULT_RECORDS_PAGING, resolvePaging, type PageFormat, type PagingOptions } from './paging-options';

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

/** One page's request: its shape and parameters. */
interface PageRequest {
  readonly shape: PageShape;
  readonly params: SqlParams;
  /** Rows asked for (`LIMIT`), 1 for `within`. */
  readonly rows: number;
}

/**
 * Exports the rows of `table` through `executor` (the snapshot's transaction) as lines (`paging.lineFormat`), in key
 * order, handing their UTF-8 bytes to `write` page by page (a row larger than the response budget
 * arrives over several pages and is written piece by piece, never held whole). Paging is keyset paging
 * on the table's key (see `page-query.ts`): each page starts after the last row of the previous one, so
 * no row is read twice or skipped, and comes packed: many lines per result row. The next page's `LIMIT`
 * is the budget divided by the bytes per row just measured, at most 4 times the rows the last page
 * returned, between 1 and `maxPageRows`.
 *
 * Pages are asked for in the `paging.format` (`paging-options.ts`): JSON records by default, whose
 * 10 MB limit lets a call carry about 3 MiB of lines. The next page is requested as soon as a page
 * has arrived and been checked, before it is written, so the server renders one page while the previous
 * one is compressed and uploaded: one call in flight at a time, as a Data API transaction requires.
 * Memory: about two pages.
 *
 * @throws {Error} on bad paging options (see {@link resolvePaging}), or a page that breaks the page
 *   statement's invariants (pieces out of order, a line count other than its row count)
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
    first: pageQuery(table, 'first', paging.lineFormat),
    after: pageQuery(table, 'after', paging.lineFormat),
    within: pageQuery(table, 'within', paging.lineFormat),
  };
  for (const sql of Object.values(statements)) {
    if (sql.length > MAX_SQL_CHARS) {
      throw new Error(`The page query of ${table.schema}.${table.table} is ${sql.length} characters, over the Data API's ${MAX_SQL_CHARS}`);
    }
  }
  const fixed = { budget: paging.responseBudgetBytes, pieceBytes: paging.pieceBytes, overhead: paging.recordOverheadBytes };
  const executeOptions = paging.format === 'json' ? { formatRecordsAs: 'JSON' as const } : undefined;
  const keyParams = (key: string[]): Record<string, string> => Object.fromEntries(key.map((v, i) => [`k${i}`, v]));
  const fetch = (request: PageRequest) => executor.execute<PieceRow>(statements[request.shape], request.params, executeOptions);
  const name = `${table.schema}.${table.table}`;

  let limit = Math.max(1, Math.min(paging.initialPageRows, paging.maxPageRows));
  let request: PageRequest | null = { shape: 'first', params: { ...fixed, limit, fromPiece: 1 }, rows: limit };
  let inFlight: Promise<{ rows: PieceRow[] }> | null = fetch(request);
  /** A row of which only the first pieces were returned: its key and the next piece to fetch. */
  let partial = null as { key: string[]; nextPiece: number } | null;
  let rowCount = 0;
  let pages = 0;

  try {
    while (inFlight && request) {
      const { rows } = await inFlight;
      inFlight = null;
      const shape: PageShape = request.shape;
      pages += 1;
      if (rows.length === 0) {
        if (partial) throw new Error(`row with key (${partial.key.join(', ')}) disappeared while it was being read`);
        break;
      }

      const page = readPackedPage(rows, shape === 'within' ? partial!.nextPiece : 1, parts.length, paging.recordOverheadBytes, name, paging.lineFormat);
      if (!page) throw new Error(`page of ${name}: no pieces`);
      const complete = page.complete;
      const key = page.key;
      const pageRows: number = request.rows;
      let next: PageRequest | null;
      if (!complete) {
        partial = { key: partial?.key ?? key, nextPiece: page.lastPiece + 1 };
        next = { shape: 'within', params: { ...fixed, fromPiece: partial.nextPiece, ...keyParams(partial.key) }, rows: 1 };
      } else {
        partial = null;
        const endOfTable: boolean = shape !== 'within' && page.rows === page.candidates && page.candidates < pageRows;
        next = endOfTable ? null : { shape: 'after', params: { ...fixed, limit, fromPiece: 1, ...keyParams(key) }, rows: limit };
      }
      // A page of whole rows sizes the next one (after the rest of a large row, the size stays).
      if (shape !== 'within') {
        limit = nextPageRows(paging, page.responseBytes, page.rows);
        if (next?.shape === 'after') next = { ...next, params: { ...next.params, limit }, rows: limit };
      }
      // Ask for the next page now: the server renders it while this one is written.
      if (next) {
        inFlight = fetch(next);
        // Its failure is awaited below; until then it must not count as unhandled.
        inFlight.catch(() => undefined);
      }
      for (const chunk of page.data) await write(chunk);
      if (complete) rowCount += page.rows;
      await options.onPage?.({ pages, rows: rowCount, pageBytes: page.responseBytes, pageRows: shape === 'within' ? 1 : pageRows });
      request = next;
    }
  } catch (error) {
    // Never leave a call running on the transaction the caller is about to roll back.
    await inFlight?.catch(() => undefined);
    throw error;
  }
  return { rowCount, pages };
}
