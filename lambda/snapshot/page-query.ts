import { qualifiedName, quoteIdentifier } from './quote-identifier';
import type { SnapshotTable } from './table-catalog';

/**
 * The SQL of one page of a table export, shaped by the Data API's limits (see
 * `shared/data-api-reference.md`): a response of at most 1 MiB, a result row of at most 64 KB.
 *
 * Each table row is rendered by PostgreSQL as one JSON line (`row_to_json`: every type in its own JSON
 * rendering), converted to UTF-8 bytes, and cut into pieces of at most `:pieceBytes` bytes, one result
 * row per piece, returned as bytea (a Data API blobValue, base64 in the response; a Uint8Array from both
 * drivers). So no result row exceeds the 64 KB row limit however large the table row is, and the
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

/** Builds the page statement of `table` for `shape` (see the module doc for columns and parameters). */
export function pageQuery(table: SnapshotTable, shape: PageShape): string {
  const parts = keyParts(table);
  const source = `${table.kind === 'partitioned' ? '' : 'ONLY '}${qualifiedName(table.schema, table.table)}`;
  // The whole row, unless generated columns must be left out: then the exported ones, one by one.
  const json = table.hasGeneratedColumns ? 'row_to_json(r)' : 'row_to_json(t)';
  const lateral = table.hasGeneratedColumns
    ? `\n   CROSS JOIN LATERAL (SELECT ${table.columns.map((c) => `t.${quoteIdentifier(c.name)}`).join(', ')}) AS r`
    : '';
  const order = parts.map((p) => p.expression).join(', ');
  const paramTuple = `(${parts.map((p, i) => `:k${i}::${p.type}`).join(', ')})`;
  const where = shape === 'first' ? '' : `WHERE (${order}) ${shape === 'after' ? '>' : '='} ${paramTuple}`;
  const limit = shape === 'within' ? 'LIMIT 1' : 'LIMIT :limit::int';
  const keys = parts.map((_, i) => `k${i}`).join(', ');
  const keyBytes = (alias: string) => parts.map((_, i) => `2 * coalesce(octet_length(${alias}k${i}), 0)`).join(' + ');
  const pieceCount = (line: string) => `greatest(1, (octet_length(${line}) + :pieceBytes::int - 1) / :pieceBytes::int)`;
  const base64 = (bytes: string) => `4 * ((${bytes} + 2) / 3)`;
  return `WITH page AS (
  SELECT convert_to(translate(${json}::text, chr(10) || chr(13), '  '), 'UTF8') AS line,
         ${parts.map((p, i) => `${p.expression} AS o${i}, ${p.expression}::text AS k${i}`).join(',\n         ')}
    FROM ${source} AS t${lateral}
   ${where}
   ORDER BY ${order}
   ${limit}
), numbered AS (
  SELECT row_number() OVER (ORDER BY ${parts.map((_, i) => `o${i}`).join(', ')}) AS row_no, count(*) OVER () AS candidates,
         line, ${keys},
         ${base64('octet_length(line)')} + 4 * ${pieceCount('line')} + ${pieceCount('line')} * :overhead::int + ${keyBytes('')} AS wire
    FROM page
), kept AS (
  SELECT numbered.*, sum(wire) OVER (ORDER BY row_no) AS running FROM numbered
), pieces AS (
  SELECT k.row_no, k.candidates, k.running, p.piece_no, p.piece_count, p.piece, p.wire,
         ${parts.map((_, i) => `CASE WHEN p.piece_no = 1 THEN k.k${i} END AS k${i}`).join(', ')},
         sum(p.wire) OVER (PARTITION BY k.row_no ORDER BY p.piece_no) AS piece_running
    FROM kept AS k
   CROSS JOIN LATERAL (
     SELECT g AS piece_no, ${pieceCount('k.line')} AS piece_count,
            substring(k.line FROM (g - 1) * :pieceBytes::int + 1 FOR :pieceBytes::int) AS piece,
            ${base64('octet_length(substring(k.line FROM (g - 1) * :pieceBytes::int + 1 FOR :pieceBytes::int))')} + :overhead::int
              + CASE WHEN g = 1 THEN ${keyBytes('k.')} ELSE 0 END AS wire
       FROM generate_series(CASE WHEN k.row_no = 1 THEN :fromPiece::int ELSE 1 END, ${pieceCount('k.line')}) AS g
     OFFSET 0 -- cut the pieces here: flattened, the sort below would carry the whole line with every piece
   ) AS p
   WHERE k.running <= :budget::int8 OR k.row_no = 1
)
SELECT row_no::int AS row_no, candidates::int AS candidates, piece_no::int AS piece_no, piece_count::int AS piece_count,
       piece, wire::int AS wire, ${keys}
  FROM pieces
 WHERE row_no > 1 OR running <= :budget::int8 OR piece_running <= :budget::int8 OR piece_no = :fromPiece::int
 ORDER BY row_no, piece_no`;
}
