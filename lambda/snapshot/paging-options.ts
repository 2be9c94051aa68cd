import { DEFAULT_LINE_FORMAT, type LineFormat } from './line-format';

/**
 * How the export's pages are sized, in each of the two response formats of the Data API
 * (`/work/shared/data-api-reference.md`, "Limits"):
 *
 * - `json` (default): the page is asked for as JSON records (`formatRecordsAs: JSON`), whose limit is
 *   10 MB of `formattedRecords`; pages of 3 MiB take about one call per 2.2 MiB of exported lines
 *   (packed lines travel as base64 text, see `page-query.ts`);
 * - `records`: the Field records, whose response limit is 1 MiB; pages of 900 KiB take about 1.5 calls
 *   per MiB.
 *
 * The 64 KB row limit holds in both: a result row carries one piece of at most `pieceBytes`.
 */
export type PageFormat = 'json' | 'records';

/** How pages are sized. All have defaults (see {@link DEFAULT_PAGING} and {@link DEFAULT_RECORDS_PAGING}). */
export interface PagingOptions {
  /** The response format pages are asked for in. @default 'json' */
  readonly format: PageFormat;
  /** How each row is written as a line of the table object (`line-format.ts`). @default 'record' */
  readonly lineFormat: LineFormat;
  /**
   * Estimated response bytes a page may reach: below the format's limit with room for what the
   * estimate leaves out. @default 3 MiB (json: far below 10 MB, so that a page held by each of several
   * workers stays small), 900 KiB (records)
   */
  readonly responseBudgetBytes: number;
  /**
   * Rows asked for on a table's first page (key order), or on a range's first page in physical order when
   * neither a measurement nor the catalog (`pg_class.reltuples`) gives the bytes per row. @default 100
   */
  readonly initialPageRows: number;
  /** Upper bound of the rows asked for per page (key order and physical order). @default 50,000 (json), 10,000 (records) */
  readonly maxPageRows: number;
  /**
   * Bytes of packed lines per result row (a piece), sent as base64 text: 30,000 bytes are 40,000
   * characters, under the Data API's 64 KB row limit with room for the page's key. @default 30,000
   */
  readonly pieceBytes: number;
  /** Estimated response bytes of one result row besides its piece (other fields, JSON framing). @default 160 */
  readonly recordOverheadBytes: number;
}

/** Defaults of the `json` format. */
export const DEFAULT_PAGING: PagingOptions = {
  format: 'json',
  lineFormat: DEFAULT_LINE_FORMAT,
  responseBudgetBytes: 3 * 1024 * 1024,
  initialPageRows: 100,
  maxPageRows: 50_000,
  pieceBytes: 30_000,
  recordOverheadBytes: 160,
};

/** Defaults of the `records` format. */
export const DEFAULT_RECORDS_PAGING: PagingOptions = {
  format: 'records',
  lineFormat: DEFAULT_LINE_FORMAT,
  responseBudgetBytes: 900 * 1024,
  initialPageRows: 100,
  maxPageRows: 10_000,
  pieceBytes: 30_000,
  recordOverheadBytes: 160,
};

/** Largest response budget per format, bytes: the records response's 1 MiB; 10 MB of formattedRecords (read as 10^7). */
const MAX_BUDGET: Readonly<Record<PageFormat, { bytes: number; why: string }>> = {
  records: { bytes: 1024 * 1024, why: "the Data API's response limit is 1 MiB" },
  json: { bytes: 10_000_000, why: "the Data API's formattedRecords limit is 10 MB" },
};

/**
 * The format's defaults overridden by `overrides`, checked. Unless given, `pieceBytes` is lowered to
 * what fits the response budget as base64 with its record overhead.
 * @throws {Error} naming the `paging.<field>` at fault: budgets must stay within the format's limit
 *   (1 MiB records, 10 MB JSON; pieces whose hex text fits a 64 KB row), row counts must be positive
 *   integers, the format `json` or `records`
 */
export function resolvePaging(overrides: Partial<PagingOptions> = {}): PagingOptions {
  const format = overrides.format ?? 'json';
  if (format !== 'json' && format !== 'records') throw new Error(`paging.format: ${JSON.stringify(format)} must be "json" or "records"`);
  const lineFormat = overrides.lineFormat ?? DEFAULT_LINE_FORMAT;
  if (lineFormat !== 'record' && lineFormat !== 'json') throw new Error(`paging.lineFormat: ${JSON.stringify(lineFormat)} must be "record" or "json"`);
  const merged: PagingOptions = { ...(format === 'json' ? DEFAULT_PAGING : DEFAULT_RECORDS_PAGING), ...overrides, format };
  // A piece travels as base64 with its record overhead; by default it is made to fit a smaller budget.
  const fit = 3 * Math.floor((merged.responseBudgetBytes - merged.recordOverheadBytes) / 4);
  const paging: PagingOptions = overrides.pieceBytes === undefined ? { ...merged, pieceBytes: Math.min(merged.pieceBytes, fit) } : merged;
  const check = (field: Exclude<keyof PagingOptions, 'format' | 'lineFormat'>, min: number, max: number, why: string) => {
    const value = paging[field];
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new Error(`paging.${field}: ${value} must be an integer from ${min} to ${max} (${why})`);
    }
  };
  check('responseBudgetBytes', 4096, MAX_BUDGET[format].bytes, MAX_BUDGET[format].why);
  check('pieceBytes', 256, 32_000, "a piece's base64 text and the page's key must fit the Data API's 64 KB row limit");
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

/**
 * The next page asks for at most this many times the rows the last one returned: the server renders
 * every row it asks for before cutting to the budget, so a jump in row size after a run of small rows
 * costs at most this factor of wasted work.
 */
export const PAGE_ROWS_GROWTH = 4;

/**
 * Rows the next page should ask for (its `LIMIT`) after a page of `rowsReturned` whole rows and
 * `pageBytes` estimated response bytes: as many as fill `paging.responseBudgetBytes` at that size, at most
 * {@link PAGE_ROWS_GROWTH} times `rowsReturned`, from 1 to `paging.maxPageRows`.
 */
export function nextPageRows(paging: PagingOptions, pageBytes: number, rowsReturned: number): number {
  const perRow = pageBytes / Math.max(1, rowsReturned);
  const fit = Math.floor(paging.responseBudgetBytes / Math.max(1, perRow));
  return Math.max(1, Math.min(paging.maxPageRows, fit, PAGE_ROWS_GROWTH * Math.max(1, rowsReturned)));
}
