import { qualifiedName, quoteIdentifier } from './quote-identifier';
import type { SnapshotTable } from './table-catalog';

/**
 * The SQL of one page of a table export, shaped by the Data API's limits (see
 * `shared/data-api-reference.md`): a response of at most 1 MiB (10 MB of JSON records), a result row
 * of at most 64 KB.
 *
 * Each table row is rendered by PostgreSQL as one JSON line (`row_to_json`: every type in its own JSON
 * rendering), converted to UTF-8 bytes, and cut into pieces of at most `:pieceBytes` bytes, one result
 * row per piece, returned as bytea (base64 in the response: a blobValue, or base64 text in the JSON
 * records the export asks for, see `ExecuteOptions.formatRecordsAs`). So no result row exceeds the 64 KB row limit however large the table row is, and the
 * response size is known exactly: `4 * ceil(bytes / 3)` per piece plus the other fields. Bytea pieces
 * are also cheap to cut (`substring` on bytea is by byte offset; on text it would walk the characters
 * from the start for every piece).
 *
 * The server also cuts the page to the response budget: it keeps rows while the running total of their
 * estimated response bytes stays within `:budget` (always at least the first row), and when the first
 * row alone is larger it returns only the pieces of it that fit (at least one); the caller then fetches
 * the rest of that row with the `within` shape. A response is thus bounded by the budget whatever
 * `:limit` was, and `:limit` (adapted by the caller from the bytes per row it measured) only bounds the
 * work the server does per page.
 *
 * Estimated response bytes of a piece: its base64 size, plus `:overhead` for the other fields and the
 * JSON framing of the record, plus twice the key text's bytes on a row's first piece (JSON escaping).
 * The pieces of the first row that fit are counted at their largest size (conservative).
 *
 * Cost: the rows are read in key order through the key's index and rendered once; one window pass
 * numbers them and sums their sizes (the page's order, so no sort), and only rows over `:pieceBytes`
 * yield more than one piece. The snapshot transaction turns JIT off (`snapshot-settings.ts`): the
 * estimated cost of the piece expansion would otherwise trigger JIT compilation of every page.
 *
 * Result columns: `row_no` (1-based within the page), `candidates` (rows the page read, before the cut),
 * `piece_no`, `piece_count`, `piece` (bytea), `wire` (estimated bytes of this piece), and `k0..kN`: the
 * row's key as text (on its first piece only, NULL on the others).
 *
 * Parameters: `:limit` (rows, `first`/`after`), `:budget` (bytes), `:pieceBytes`, `:overhead` (bytes),
 * `:fromPiece` (first piece of the first row: 1 unless `within`), and `:k0..:kN` (key text, `after`/`within`).
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
 * How a table's rows become JSON lines, shared by the export and the restore's verification: `line`, the
 * bytea expression of one row's line (without `\n`), over `from`, the FROM clause naming the table `t`
 * (`ONLY` unless partitioned).
 *
 * The line is `row_to_json` of the whole row, or, when `table.hasGeneratedColumns`, of the exported
 * columns listed one by one (the same text when the columns are the same), with line breaks (only
 * whitespace inside json values) replaced by spaces (`replace()` is a plain byte search, far cheaper than
 * `translate()` on multibyte text, and yields the same bytes), as UTF-8.
 */
export function lineSource(table: Pick<SnapshotTable, 'schema' | 'table' | 'kind' | 'columns' | 'hasGeneratedColumns'>): { line: string; from: string } {
  const source = `${table.kind === 'partitioned' ? '' : 'ONLY '}${qualifiedName(table.schema, table.table)}`;
  const json = table.hasGeneratedColumns ? 'row_to_json(r)' : 'row_to_json(t)';
  const lateral = table.hasGeneratedColumns
    ? `\n   CROSS JOIN LATERAL (SELECT ${table.columns.map((c) => `t.${quoteIdentifier(c.name)}`).join(', ')}) AS r`
    : '';
  return {
    line: `convert_to(replace(replace(${json}::text, chr(10), ' '), chr(13), ' '), 'UTF8')`,
    from: `FROM ${source} AS t${lateral}`,
  };
}

/** Builds the page statement of `table` for `shape` (see the module doc for columns and parameters). */
export function pageQuery(table: SnapshotTable, shape: PageShape): string {
  const parts = keyParts(table);
  const { line, from } = lineSource(table);
  const order = parts.map((p) => p.expression).join(', ');
  const paramTuple = `(${parts.map((p, i) => `:k${i}::${p.type}`).join(', ')})`;
  const where = shape === 'first' ? '' : `WHERE (${order}) ${shape === 'after' ? '>' : '='} ${paramTuple}`;
  const limit = shape === 'within' ? 'LIMIT 1' : 'LIMIT :limit::int';
  const orderAliases = (alias: string) => parts.map((_, i) => `${alias}o${i}`).join(', ');
  const keyBytes = (alias: string) => parts.map((_, i) => `2 * coalesce(octet_length(${alias}k${i}), 0)`).join(' + ');
  const base64 = (bytes: string) => `4 * ((${bytes} + 2) / 3)`;
  const pieceBytes = ':pieceBytes::int';
  return `WITH page AS (
  SELECT ${line} AS line,
         ${parts.map((p, i) => `${p.expression} AS o${i}, ${p.expression}::text AS k${i}`).join(',\n         ')}
    ${from}
   ${where}
   ORDER BY ${order}
   ${limit}
), numbered AS (
  SELECT line, ${parts.map((_, i) => `o${i}, k${i}`).join(', ')},
         greatest(1, (octet_length(line) + ${pieceBytes} - 1) / ${pieceBytes}) AS piece_count,
         row_number() OVER w AS row_no,
         count(*) OVER () AS candidates,
         sum(${base64('octet_length(line)')} + greatest(1, (octet_length(line) + ${pieceBytes} - 1) / ${pieceBytes}) * (4 + :overhead::int)
             + ${keyBytes('')}) OVER w AS running
    FROM page
  WINDOW w AS (ORDER BY ${orderAliases('')} ROWS UNBOUNDED PRECEDING)
)
SELECT k.row_no::int AS row_no, k.candidates::int AS candidates, p.piece_no::int AS piece_no, k.piece_count::int AS piece_count,
       p.piece, p.wire::int AS wire, ${parts.map((_, i) => `CASE WHEN p.piece_no = 1 THEN k.k${i} END AS k${i}`).join(', ')}
  FROM numbered AS k
 CROSS JOIN LATERAL (
   SELECT g AS piece_no, substring(k.line FROM (g - 1) * ${pieceBytes} + 1 FOR ${pieceBytes}) AS piece,
          ${base64(`least(${pieceBytes}, octet_length(k.line) - (g - 1) * ${pieceBytes})`)} + :overhead::int
            + CASE WHEN g = 1 THEN ${keyBytes('k.')} ELSE 0 END AS wire
     FROM generate_series(CASE WHEN k.row_no = 1 THEN :fromPiece::int ELSE 1 END, k.piece_count) AS g
    WHERE k.row_no > 1 OR k.running <= :budget::int8 OR g = :fromPiece::int
       OR (g - :fromPiece::int + 1) * (${base64(pieceBytes)} + :overhead::int) + ${keyBytes('k.')} <= :budget::int8
   OFFSET 0 -- cut the pieces here: flattened, the sort below would carry the whole line with every piece
 ) AS p
 WHERE k.running <= :budget::int8 OR k.row_no = 1
 ORDER BY ${orderAliases('k.')}, p.piece_no`;
}
