import { qualifiedName, quoteIdentifier } from '../../driver/quote-identifier';
import type { ManifestTable } from '../manifest';
import { insertStatement } from './insert-statement';

/** The SQL of a batch of `record` lines: the lines as a set of text, and the text they were cut from. */
export interface RecordBatchSource {
  /**
   * A set-returning function call giving the lines, one `text` per row, for a FROM clause: e.g.
   * `string_to_table(:rows::text, :separator::text)` (see {@link recordBatchSource}).
   */
  readonly lines: string;
  /** The `text` expression the lines were cut from, whose SHA-256 the statement answers. */
  readonly text: string;
  /**
   * A `text` expression of the lowercase hex SHA-256 the text was sent with, e.g. `:sha256::text`: the
   * statement that renders no row ({@link recordBatchStatement}, `renderRows` false) stores nothing unless
   * the text it received has it.
   */
  readonly sha256: string;
}

/**
 * The source of a batch sent as `:rows` (its lines joined by the byte `:separator`) with its SHA-256 as
 * `:sha256`, on a server of `server_version_num` `serverVersion`: from PostgreSQL 14 the lines are cut by
 * `string_to_table`, a set straight from the text (PostgreSQL docs, 9.4 "String Functions and Operators"),
 * where `unnest(string_to_array(...))` builds an array of them first: about 4% of PostgreSQL's CPU time in
 * a restore of the bench table (three runs of each on `bench:restore-statement`'s batches, PostgreSQL 15).
 */
export function recordBatchSource(serverVersion: number): RecordBatchSource {
  const lines = serverVersion >= 140_000 ? 'string_to_table(:rows::text, :separator::text)' : 'unnest(string_to_array(:rows::text, :separator::text))';
  return { lines, text: ':rows::text', sha256: ':sha256::text' };
}

/** What was sent in one batch, to check the statement's answer against (`recordBatchDifference`). */
export interface SentRecordBatch {
  /** Lines in the batch. */
  readonly lines: number;
  /** Lowercase hex SHA-256 of the UTF-8 bytes of the batch's text as sent (separators included). */
  readonly sha256: string;
  /** Number of the batch's first line in the table object, from 1. */
  readonly firstLine: number;
}

/** How {@link recordBatchStatement} reads and proves the lines. */
export interface RecordBatchOptions {
  /** The row type the lines are read as. @default the table */
  readonly rowType?: string;
  /**
   * Render every row read and compare it with its line. False only when every column's type reads its
   * text back exactly and is the snapshot's (`exact-text-types.ts`): the rendering would give every line
   * back by PostgreSQL's own contract, so the statement skips it (about a fifth of its time,
   * `bench:restore-statement`). @default true
   */
  readonly renderRows?: boolean;
  /**
   * With `renderRows` false, how each row read becomes the columns inserted: `fields`, field by field from
   * the row; `cast`, through a cast in FROM (see {@link recordBatchStatement}).
   * @default `cast` from {@link WIDE_ROW_COLUMNS} columns, else `fields`
   */
  readonly readColumns?: 'fields' | 'cast';
}

/**
 * Columns from which a batch that renders no row reads each line's fields through a cast in FROM rather
 * than field by field (see {@link recordBatchStatement}): PostgreSQL's CPU time for the two forms crosses
 * between 13 and 20 columns. `bench:restore-statement` prints both: its bench table of 13 columns 5.3 s
 * either way, a generated table of 40 columns 2.1 s field by field against 1.8 s for the cast (PostgreSQL 15).
 * By hand on the same machine and server, generated tables of 20, 28 and 80 columns: 1.65 to 1.77 s against
 * 1.58 to 1.61 s, 2.15 to 2.29 s against 1.97 to 2.01 s, 2.33 s against 1.55 s.
 */
export const WIDE_ROW_COLUMNS = 16;

/** The statement {@link recordBatchStatement} builds, and how it answers. */
export interface RecordBatch {
  readonly sql: string;
  /**
   * `answer`: one row (see {@link recordBatchDifference}). `count`: no row; the statement stores the batch
   * whole or, when the text received is not the text sent, nothing; its count of rows stored (the Data API's
   * `numberOfRecordsUpdated`) is the answer (see {@link storedBatchDifference}).
   */
  readonly answers: 'answer' | 'count';
}

/**
 * The statement loading a batch of `record` lines into `table`, proving each row as it goes: every line
 * is read once with the row type's input (`line::<rowType>`, record_in: each field by its column type's
 * input function, with the column's typmod), held in a `MATERIALIZED` CTE, its fields inserted, and the
 * row read rendered again with record_out, which must give the line back byte for byte. It answers:
 * - `inserted_rows`: rows the INSERT stored;
 * - `received_lines`: lines PostgreSQL cut from the text;
 * - `received_sha256`: SHA-256 of the text PostgreSQL received;
 * - `first_difference`: the position in the batch (from 1) of the first line whose row does not render
 *   back to it, or NULL.
 *
 * Rendering the row read is rendering the row stored: the row type's columns are the target's (the table
 * itself, or `rowType`, a temporary table of the target's columns), so the INSERT converts nothing; user
 * triggers are disabled and every column is given, so nothing else writes the row (`restore-snapshot.ts`).
 * This costs PostgreSQL one rendering per row and no hash per row.
 *
 * With `renderRows` false the statement is a plain INSERT (`answers` `count`): the lines are read in a
 * subquery (`OFFSET 0` keeps it from being pulled up, which would read each line once per column) and
 * inserted, nothing held or rendered, under the condition that the SHA-256 of the text received is
 * `source.sha256`. That condition refers to no row, so PostgreSQL checks it once, before the first row is
 * read (a gating `Result` node: a "One-Time Filter" in EXPLAIN); when it fails nothing is stored. Each line
 * read is inserted or the statement fails, so the count of rows stored proves the batch: all its lines, or
 * none when the text differs. Against answering the SHA-256 and the count from a `RETURNING` CTE, this saves
 * the CTE and its rows (about 4% of PostgreSQL's CPU time in a restore of the bench table: the batches of
 * `bench:restore-statement`, three runs of each form, PostgreSQL 15).
 *
 * How the row read becomes the columns inserted, with `renderRows` false: below {@link WIDE_ROW_COLUMNS}
 * columns, field by field from the row (`(rds_line.r).c`); from it, a cast in FROM
 * (`CROSS JOIN LATERAL CAST(l AS <rowType>) AS rds_line`, then `rds_line.c`). Each field taken from a row
 * walks the row from its start to find the field (PostgreSQL cannot cache the offset of a field after a
 * value of variable length or a NULL), so that costs PostgreSQL time in the square of the columns; the
 * function scan of the cast takes the row apart once, and pays for a tuplestore per row instead.
 */
export function recordBatchStatement(table: ManifestTable, source: RecordBatchSource, options: RecordBatchOptions = {}): RecordBatch {
  const name = qualifiedName(table.schema, table.table);
  const rowType = options.rowType ?? name;
  const columns = table.columns.map((c) => quoteIdentifier(c.name));
  const sha256 = `encode(sha256(convert_to(${source.text}, 'UTF8')), 'hex')`;
  if (options.renderRows === false) {
    const gate = `WHERE ${sha256} = ${source.sha256}`;
    if ((options.readColumns ?? (columns.length >= WIDE_ROW_COLUMNS ? 'cast' : 'fields')) === 'cast') {
      const lines = `${source.lines} AS rds_source (l) CROSS JOIN LATERAL CAST(rds_source.l AS ${rowType}) AS rds_line
      ${gate}`;
      return { sql: insertStatement(name, columns, (c) => `rds_line.${c}`, lines), answers: 'count' };
    }
    const lines = `(SELECT rds_source.l::${rowType} AS r FROM ${source.lines} AS rds_source (l) OFFSET 0) AS rds_line
      ${gate}`;
    return { sql: insertStatement(name, columns, (c) => `(rds_line.r).${c}`, lines), answers: 'count' };
  }
  const insert = insertStatement(name, columns, (c) => `(rds_line.r).${c}`, 'rds_line', '1');
  const sql = `WITH rds_line AS MATERIALIZED (
    SELECT rds_source.l, rds_source.n, rds_source.l::${rowType} AS r FROM ${source.lines} WITH ORDINALITY AS rds_source (l, n)
  ), rds_inserted AS (${insert})
SELECT (SELECT count(*) FROM rds_inserted)::text AS inserted_rows, count(*)::text AS received_lines,
       ${sha256} AS received_sha256,
       min(rds_line.n) FILTER (WHERE rds_line.r::text IS DISTINCT FROM rds_line.l)::text AS first_difference
  FROM rds_line`;
  return { sql, answers: 'answer' };
}

/** `line 7` or `lines 7 to 9`: the lines of `sent`, by their numbers in the table object. */
function linesOf(sent: SentRecordBatch): string {
  return sent.lines === 1 ? `line ${sent.firstLine}` : `lines ${sent.firstLine} to ${sent.firstLine + sent.lines - 1}`;
}

/**
 * How the count of rows a {@link recordBatchStatement} of `answers` `count` stored (`stored`) differs from
 * what was `sent`, in words that name lines by number and never show their content; undefined when every
 * line was stored. None stored: the text PostgreSQL received is not the text sent (the statement's
 * condition on its SHA-256 failed).
 */
export function storedBatchDifference(stored: number, sent: SentRecordBatch): string | undefined {
  if (stored === sent.lines) return undefined;
  if (stored === 0) return `the text PostgreSQL received for ${linesOf(sent)} of the object is not the text sent (its SHA-256 differs): nothing was stored`;
  return `${stored} rows were stored for ${linesOf(sent)} of the object`;
}

/**
 * How the answer of {@link recordBatchStatement} differs from what was `sent`, in words that name lines
 * by number and never show their content; undefined when the batch was received whole and every row
 * renders back to its line.
 */
export function recordBatchDifference(answer: Record<string, unknown>, sent: SentRecordBatch): string | undefined {
  const received = Number(answer.received_lines);
  const inserted = Number(answer.inserted_rows);
  const lines = linesOf(sent);
  if (answer.received_sha256 !== sent.sha256) return `the text PostgreSQL received for ${lines} of the object is not the text sent (its SHA-256 differs)`;
  if (received !== sent.lines) return `PostgreSQL read ${received} lines where ${sent.lines} were sent (${lines} of the object)`;
  if (inserted !== received) return `${inserted} rows were stored for ${lines} of the object`;
  if (answer.first_difference !== null && answer.first_difference !== undefined) {
    return `the row stored for line ${sent.firstLine + Number(answer.first_difference) - 1} of the object does not render back to that line`;
  }
  return undefined;
}
