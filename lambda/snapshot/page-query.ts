import { qualifiedName, quoteIdentifier } from '../driver/quote-identifier';
import type { TableName } from './keys';
import type { LineFormat } from './line-format';
import type { SnapshotTable } from './table-catalog';

/**
 * The SQL of one page of a table export, shaped by the Data API's limits (see
 * `shared/data-api-reference.md`): a response of at most 1 MiB (10 MB of JSON records), a result row
 * of at most 64 KB.
 *
 * Each table row is rendered by PostgreSQL as one line in UTF-8, as record text (`ROW(...)::text`) or
 * JSON (`row_to_json`): see `line-format.ts` and {@link lineSource}. The page's lines, each followed by `\n`, are packed into one byte string, which is
 * cut into pieces of at most `:pieceBytes` bytes, one result row per piece, each returned as base64
 * text (`encode(..., 'base64')`, its line breaks removed). So a result row carries many small table rows
 * (the per-record fields and framing are paid per piece, not per table row), no result row exceeds the
 * 64 KB row limit however large a table row is, the response size is known exactly (`4 * ceil(bytes / 3)`
 * per piece plus the other fields), and base64 travels unescaped as a JSON string in any response format.
 *
 * The server also cuts the page to the response budget: it keeps the rows (in key order) whose packed
 * response, all pieces counted, stays within `:budget`, and always the first row, and returns every piece
 * of them; when the first row alone is larger, it returns only the pieces of it that fit (at least one),
 * counted at their largest size, and the caller fetches the rest of that row with the `within` shape. A response is thus bounded by the budget whatever `:limit` was, and
 * `:limit` (adapted by the caller from the bytes per row it measured) only bounds the server's work.
 *
 * Estimated response bytes of a piece: its base64 size plus 4, plus `:overhead` for the other fields and
 * the JSON framing of the record, plus twice the largest key text of the rows so far (the last row's key
 * travels on every piece; twice for JSON escaping).
 *
 * Two ways to page a table: by its key (`pageQuery`: keyset pages, rows in key order, one page after the
 * other) or by ranges of heap blocks (`rangePageQuery`: rows in physical order, TID range scans of
 * PostgreSQL 14+, ranges independent of each other so that several are read at once).
 *
 * Cost: the rows are read in key order through the key's index and rendered once; one window pass
 * numbers them and sums their sizes (the page's order, so no sort); one aggregate packs them. The pieces
 * come in `piece_no` order without an `ORDER BY`: they are the rows of `generate_series` joined to the one
 * packed row (a nested loop whose inner side is the function's result, in the order it was produced), where
 * a sort would copy every piece once more (about a twentieth of PostgreSQL's time in a page); the reader
 * checks the order anyway (`packed-page.ts`: a gap or a piece out of place fails the page). The
 * snapshot transaction turns JIT off (`snapshot-settings.ts`): the estimated cost of the piece expansion
 * would otherwise trigger JIT compilation of every page.
 *
 * Result columns, one row per piece in order: `piece_no`, `piece_count` (pieces of the packed page),
 * `piece` (base64 text), `rows` (table rows packed), `candidates` (rows the page read, before the cut),
 * and `k0..kN`: the key of the page's last row as text. No row at all: the table has no rows after the key.
 *
 * Parameters: `:limit` (rows, `first`/`after`), `:budget` (bytes), `:pieceBytes`, `:overhead` (bytes),
 * `:fromPiece` (first piece returned: 1 unless `within`), and `:k0..:kN` (key text, `after`/`within`).
 */
export type PageShape =
  /** The first page of the table. */
  | 'first'
  /** The rows after key `:k0..:kN`. */
  | 'after'
  /** The rest (from piece `:fromPiece`) of the one row whose key is `:k0..:kN`. */
  | 'within';

/** One part of the order key: an expression on the table alias `t`, and the type its text is cast back to. */
export interface KeyPart {
  readonly expression: string;
  readonly type: string;
}

/**
 * The order key of a table: its key columns; without one, `ctid` (physical position, stable within the
 * snapshot's transaction), and `(tableoid, ctid)` for a partitioned table, whose partitions each have
 * their own ctids.
 *
 * Caveat for tables without a key: `ctid > :k0` is a TID range scan on PostgreSQL 14+ and so starts where
 * the last page ended, but it must still sort the remaining rows to find the next page, so each page
 * reads the rest of the table (of every partition, for a partitioned table): time grows with the square
 * of the table's size. Give large tables a primary key (or a unique index on NOT NULL columns).
 */
export function keyParts(table: SnapshotTable): KeyPart[] {
  if (table.key) return table.key.map((column) => ({ expression: `t.${quoteIdentifier(column.name)}`, type: column.type }));
  if (table.kind === 'partitioned') return [{ expression: 't.tableoid', type: 'oid' }, { expression: 't.ctid', type: 'tid' }];
  return [{ expression: 't.ctid', type: 'tid' }];
}

/**
 * How a table's rows become lines (`line-format.ts`), shared by the export and the restore's
 * verification: `line`, the bytea expression of one row's line (without `\n`), over `from`, the FROM
 * clause naming the table `t` (`ONLY` unless partitioned).
 *
 * `record`: `ROW(t.c1, ...)::text` of the exported columns, as UTF-8. `json`: `row_to_json` of the whole
 * row, or, when `table.hasGeneratedColumns`, of the exported columns listed one by one (the same text when
 * the columns are the same), with line breaks (only whitespace inside json values) replaced by spaces
 * unless `table.mayHoldLineBreaks` is false (see {@link jsonLine}), as UTF-8.
 */
export function lineSource(
  table: Pick<SnapshotTable, 'schema' | 'table' | 'kind' | 'columns' | 'hasGeneratedColumns' | 'mayHoldLineBreaks'>,
  format: LineFormat,
): { line: string; from: string } {
  const source = `${table.kind === 'partitioned' ? '' : 'ONLY '}${qualifiedName(table.schema, table.table)}`;
  if (format === 'record') {
    return { line: `convert_to(ROW(${table.columns.map((c) => `t.${quoteIdentifier(c.name)}`).join(', ')})::text, 'UTF8')`, from: `FROM ${source} AS t` };
  }
  const json = table.hasGeneratedColumns ? 'row_to_json(r)' : 'row_to_json(t)';
  const lateral = table.hasGeneratedColumns
    ? `\n   CROSS JOIN LATERAL (SELECT ${table.columns.map((c) => `t.${quoteIdentifier(c.name)}`).join(', ')}) AS r`
    : '';
  return { line: jsonLine(json, table.mayHoldLineBreaks ?? true), from: `FROM ${source} AS t${lateral}` };
}

/**
 * The bytea line of a row's JSON (`rowJson`, e.g. `row_to_json(t)`), as UTF-8: with `lineBreaks` (the
 * default), its line breaks (only whitespace inside json values) replaced by spaces (`replace()` is a plain
 * byte search, far cheaper than `translate()` on multibyte text, and yields the same bytes); without, as it
 * is, for rows whose rendering cannot hold a raw line break (`mayRenderLineBreaks` in `table-catalog.ts`):
 * the same bytes without two passes over every line (about 15% of the rendering's CPU time).
 */
export function jsonLine(rowJson: string, lineBreaks = true): string {
  return lineBreaks ? `convert_to(replace(replace(${rowJson}::text, chr(10), ' '), chr(13), ' '), 'UTF8')` : `convert_to(${rowJson}::text, 'UTF8')`;
}

/** Builds the page statement of `table` for `shape` (see the module doc for columns and parameters). */
export function pageQuery(table: SnapshotTable, shape: PageShape, format: LineFormat): string {
  const parts = keyParts(table);
  const { line, from } = lineSource(table, format);
  const order = parts.map((p) => p.expression).join(', ');
  const paramTuple = `(${parts.map((p, i) => `:k${i}::${p.type}`).join(', ')})`;
  const where = shape === 'first' ? '' : `WHERE (${order}) ${shape === 'after' ? '>' : '='} ${paramTuple}`;
  const limit = shape === 'within' ? 'LIMIT 1' : 'LIMIT :limit::int';
  return packedPage(`SELECT ${line} AS line,
         ${parts.map((p, i) => `${p.expression} AS o${i}, ${p.expression}::text AS k${i}`).join(',\n         ')}
    ${from}
   ${where}
   ORDER BY ${order}
   ${limit}`, parts.length);
}

/** A range of heap blocks of one relation: the unit of the physical-order export (`export-physical.ts`). */
export type RangeShape =
  /**
   * The rows in blocks `:fromBlock` to `:toBlock` (exclusive), all of them, rendered as the scan reads them
   * (no `:limit`, the cheapest: for a range too few blocks to hold much more than a page), packed whole
   * without the cut to the budget (no window pass): when they do not fit, one row with `piece_no` 0 and no
   * piece says so (read them with `range` then). The lines are packed in the order the TID range scan
   * yields them, which is ctid order (it reads the blocks in order and each block's tuples by offset, and
   * is never parallel: the export turns parallel plans off, `snapshot-settings.ts`), rather than sorted
   * again by `string_agg(... ORDER BY ctid)`: that sort cost about a fifth of PostgreSQL's time in the
   * export (`bench:snapshot`).
   */
  | 'whole'
  /** As `whole`, but of the first `:limit` rows only; `k0` is the last row's ctid (there may be more after it). */
  | 'head'
  /** The first `:limit` rows in blocks `:fromBlock` to `:toBlock` (exclusive), cut to the budget. */
  | 'range'
  /** The first `:limit` rows of the range after ctid `:k0`, up to block `:toBlock` (exclusive), cut to the budget. */
  | 'rest'
  /** The rest (from piece `:fromPiece`) of the row at ctid `:k0`. */
  | 'within';

/**
 * The page statement of a range of heap blocks of `relation` (a plain table, or a leaf partition of a
 * partitioned one), its rows rendered with `columns` listed one by one, in physical (`ctid`) order: a TID
 * range scan (PostgreSQL 14+) reads only the range's blocks, sequentially, and needs no index. Packed and
 * cut to the budget as `pageQuery`'s pages are (same columns; the key is the last row's `ctid`).
 *
 * Rendering stops at `:limit` rows (issue #4; all shapes but `whole`): the scan yields only row positions,
 * aggregated in ctid order and the first `:limit` kept (no row rendered), and only those rows are fetched
 * again by TID (a Tid Scan per row, forced by the `OFFSET 0` lateral subquery) and rendered. An aggregate
 * rather than `ORDER BY ctid LIMIT`: with a `LIMIT` the planner may prefer a (parallel) sequential scan of
 * the whole table to the TID range scan, each page then reading every block of the table. So a page
 * renders at most `:limit` rows whatever the size of the rest of its range; before, each continuation page
 * rendered every remaining row of its range to keep one page of them, quadratic in the range's rows.
 * `:limit` comes from the bytes per row measured (`export-range.ts`). The TIDs come from the same snapshot
 * as the fetch, so each names the very row version the scan saw.
 *
 * `format`: how rows become lines (`line-format.ts`). `lineBreaks` false (`json` only): the table's rows
 * cannot render a raw line break (see {@link jsonLine}).
 * Parameters: `:budget`, `:pieceBytes`, `:overhead`, `:fromPiece`, `:toBlock`, `:limit` (rows: head, range,
 * rest), and `:fromBlock` (whole, head, range) or `:k0` (rest, within).
 */
export function rangePageQuery(relation: TableName, columns: SnapshotTable['columns'], shape: RangeShape, format: LineFormat, lineBreaks = true): string {
  const { line, from } = lineSource({ schema: relation.schema, table: relation.table, kind: 'table', columns, hasGeneratedColumns: true, mayHoldLineBreaks: lineBreaks }, format);
  const block = (param: string) => `('(' || ${param}::int8 || ',0)')::tid`;
  if (shape === 'within') {
    return packedPage(`SELECT ${line} AS line, t.ctid AS o0, t.ctid::text AS k0
    ${from}
   WHERE t.ctid = :k0::tid`, 1);
  }
  const where =
    shape === 'rest' ? `t.ctid > :k0::tid AND t.ctid < ${block(':toBlock')}` : `t.ctid >= ${block(':fromBlock')} AND t.ctid < ${block(':toBlock')}`;
  const page = shape === 'whole' ? `SELECT ${line} AS line, t.ctid AS o0
    ${from}
   WHERE ${where}` : `SELECT l.line, c.o0, c.o0::text AS k0
    FROM unnest((SELECT (array_agg(t.ctid ORDER BY t.ctid))[1:(:limit::int)] FROM ONLY ${qualifiedName(relation.schema, relation.table)} AS t
           WHERE ${where})) AS c(o0)
   CROSS JOIN LATERAL (SELECT ${line} AS line
    ${from}
   WHERE t.ctid = c.o0 OFFSET 0) AS l
   ORDER BY c.o0`;
  if (shape !== 'whole' && shape !== 'head') return packedPage(page, 1);
  const P = ':pieceBytes::int8';
  // One scan of the packed row gives either its pieces or, when they do not fit, one row without a piece:
  // read twice (a UNION ALL of both cases), the CTE was materialized, a copy of the whole page, and the
  // pieces sorted again (together about a fifth of the statement's time, EXPLAIN ANALYZE of a 120-block range).
  return `WITH page AS (
  ${page}
), packed AS (
  SELECT ${shape === 'head' ? "string_agg(line || '\\x0a'::bytea, ''::bytea ORDER BY o0)" : "string_agg(line, '\\x0a'::bytea) || '\\x0a'::bytea"} AS data, count(*) AS rows, ${shape === 'head' ? '(array_agg(k0 ORDER BY o0 DESC))[1]' : 'NULL::text'} AS k0 FROM page
), sized AS (
  SELECT data, rows, k0, (octet_length(data) + ${P} - 1) / ${P} AS piece_count,
         4 * ((octet_length(data) + 2) / 3) + ((octet_length(data) + ${P} - 1) / ${P}) * (4 + :overhead::int8 + 2 * coalesce(octet_length(k0), 32)) <= :budget::int8 AS fits
    FROM packed
)
SELECT CASE WHEN s.fits THEN g ELSE 0 END::int AS piece_no, s.piece_count::int AS piece_count,
       CASE WHEN s.fits THEN replace(encode(substring(s.data FROM ((g - 1) * ${P} + 1)::int FOR :pieceBytes::int), 'base64'), chr(10), '') END AS piece,
       s.rows::int AS rows, s.rows::int AS candidates, s.k0
  FROM sized AS s CROSS JOIN LATERAL generate_series(1, CASE WHEN s.fits THEN s.piece_count ELSE 1 END) AS g`;
}

/**
 * Packs the rows of `page` (an ordered query with columns `line`, `o0..oN` and `k0..kN`) into base64
 * pieces cut to the budget (see the module doc).
 */
function packedPage(page: string, keyCount: number): string {
  const keys = Array.from({ length: keyCount }, (_, i) => i);
  const P = ':pieceBytes::int8';
  const pieces = (bytes: string) => `((${bytes} + ${P} - 1) / ${P})`;
  // Response bytes of a packed prefix of `bytes`: base64 plus padding, and each piece's record overhead and key.
  const wire = (bytes: string, keyBytes: string) => `(4 * ((${bytes} + 2) / 3) + ${pieces(bytes)} * (4 + :overhead::int8 + ${keyBytes}))`;
  const keyBytes = keys.map((i) => `coalesce(octet_length(k${i}), 0)`).join(' + ');
  return `WITH page AS (
  ${page}
), numbered AS (
  SELECT line, ${keys.map((i) => `k${i}`).join(', ')},
         row_number() OVER w AS row_no,
         2 * max(${keyBytes}) OVER w AS key_bytes,
         sum(octet_length(line) + 1) OVER w AS end_byte
    FROM page
  WINDOW w AS (ORDER BY ${keys.map((i) => `o${i}`).join(', ')} ROWS UNBOUNDED PRECEDING)
), packed AS (
  SELECT string_agg(line || '\\x0a'::bytea, ''::bytea ORDER BY row_no) FILTER (WHERE kept) AS data,
         count(*) FILTER (WHERE kept) AS rows, count(*) AS candidates,
         ${keys.map((i) => `(array_agg(k${i} ORDER BY row_no DESC) FILTER (WHERE kept))[1] AS k${i}`).join(', ')},
         max(key_bytes) FILTER (WHERE kept) AS key_bytes
    FROM (SELECT numbered.*, row_no = 1 OR ${wire('end_byte', 'key_bytes')} <= :budget::int8 AS kept FROM numbered) AS n
)
SELECT g::int AS piece_no, ${pieces('octet_length(p.data)')}::int AS piece_count,
       replace(encode(substring(p.data FROM ((g - 1) * ${P} + 1)::int FOR :pieceBytes::int), 'base64'), chr(10), '') AS piece,
       p.rows::int AS rows, p.candidates::int AS candidates, ${keys.map((i) => `p.k${i}`).join(', ')}
  FROM packed AS p
 CROSS JOIN LATERAL generate_series(:fromPiece::int8, ${pieces('octet_length(p.data)')}) AS g
 WHERE p.rows > 1 OR g = :fromPiece::int8 OR (g - :fromPiece::int8 + 1) * (4 * ((${P} + 2) / 3) + 4 + :overhead::int8 + p.key_bytes) <= :budget::int8`;
}
