import { countLines, type LineFormat } from './line-format';

/**
 * Reading the answer of a packed page statement (`page-query.ts`): its pieces checked, decoded and joined.
 */

/** One result row of a packed page statement. */
export interface PieceRow {
  [column: string]: number | string | null;
  piece_no: number;
  piece_count: number;
  /** Base64 of this piece of the packed page. */
  piece: string;
  /** Table rows packed in the page. */
  rows: number;
  /** Rows the page read before the cut to the budget. */
  candidates: number;
}

/** A page read back. */
export interface PackedPage {
  /** The page's bytes in pieces (lines, each ending in `\n`, the last possibly cut when `complete` is false). */
  readonly data: Buffer[];
  /** Bytes of `data`. */
  readonly bytes: number;
  /** Table rows packed. */
  readonly rows: number;
  readonly candidates: number;
  /** False when the page is the first pieces of one large row only: fetch the rest with the `within` shape. */
  readonly complete: boolean;
  /** The last piece's number (continue at the next one). */
  readonly lastPiece: number;
  /** The key of the page's last row, as text (`k0..kN`). */
  readonly key: string[];
  /** Estimated response bytes (base64 plus per-record overhead), to size the next page. */
  readonly responseBytes: number;
}


/**
 * Checks and decodes the pieces of a page: numbered from `firstPiece` without a gap, all of the same page,
 * and, for a complete page of several rows, as many lines as rows. `keyCount` key columns are read from the
 * last piece. Empty `rows`: undefined (no rows left).
 * @param overheadBytes per-record overhead counted in `responseBytes`
 * @param format how the page's lines end (`line-format.ts`)
 * @throws {Error} naming `name` when the page breaks these invariants
 */
export function readPackedPage(
  rows: readonly PieceRow[],
  firstPiece: number,
  keyCount: number,
  overheadBytes: number,
  name: string,
  format: LineFormat,
): PackedPage | undefined {
  if (rows.length === 0) return undefined;
  const first = rows[0]!;
  const chunks: Buffer[] = [];
  let responseBytes = 0;
  rows.forEach((row, i) => {
    if (row.piece_no !== firstPiece + i || row.piece_count !== first.piece_count || row.rows !== first.rows) {
      throw new Error(`page of ${name}: piece ${row.piece_no} of ${row.piece_count} where ${firstPiece + i} of ${first.piece_count} was expected`);
    }
    responseBytes += row.piece.length + overheadBytes;
    chunks.push(Buffer.from(row.piece, 'base64'));
  });
  const data = chunks;
  const last = rows[rows.length - 1]!;
  const complete = last.piece_no === last.piece_count;
  if (!complete && first.rows !== 1) throw new Error(`page of ${name}: a page of ${first.rows} rows was cut at piece ${last.piece_no} of ${last.piece_count}`);
  if (complete && first.rows > 1) {
    const lines = countLines(data, format);
    if (lines !== first.rows) throw new Error(`page of ${name}: ${lines} lines where ${first.rows} rows were packed`);
  }
  return {
    data,
    bytes: data.reduce((sum, chunk) => sum + chunk.length, 0),
    rows: first.rows,
    candidates: first.candidates,
    complete,
    lastPiece: last.piece_no,
    key: Array.from({ length: keyCount }, (_, i) => String(last[`k${i}`])),
    responseBytes,
  };
}
