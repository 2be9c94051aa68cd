import { createHash } from 'node:crypto';
import { StringDecoder } from 'node:string_decoder';
import type { Executor, QueryResult } from '../../driver/driver';
import type { LineFormat } from '../line-format';
import type { ManifestTable } from '../manifest';
import { jsonLine, lineSource } from '../page-query';
import { qualifiedName, quoteIdentifier } from '../../driver/quote-identifier';
import { insertStatement } from './insert-statement';
import { recordBatchDifference, recordBatchSource, recordBatchStatement, storedBatchDifference, type RecordBatch, type RecordBatchSource, type SentRecordBatch } from './record-batch';
import { RestoredRowsDiffer } from './restore-error';
import type { TableChunk } from './table-object-stream';
import { addDigests, digestAggregates, digestOf, EMPTY_DIGEST, LineDigest, sameDigest } from './row-digest';

export interface LoadTableOptions {
  /**
   * Largest `:rows` parameter of one INSERT, in bytes as the Data API request carries it (JSON-escaped).
   * A request is at most 4 MiB (`/work/shared/data-api-reference.md`, "Limits"); the statement and the
   * request's framing take the rest. A row larger than this is loaded in pieces (see {@link loadTable}).
   * @default 3.5 MiB
   */
  readonly batchBytes?: number;
  /**
   * Called after each statement that loaded rows, with the rows sent so far and their bytes (the object's
   * uncompressed lines, `\n` included: the unit of the manifest's `bytes`).
   */
  readonly onBatch?: (loaded: { rows: number; batches: number; bytes: number }) => void | Promise<void>;
  /** How the statement reads and verifies the rows (see {@link LoadShape}). @default both false */
  readonly shape?: LoadShape;
  /**
   * The server's `server_version_num`, which decides how `record` batches are cut into lines
   * (`recordBatchSource`). @default 0: a form every supported version has
   */
  readonly serverVersion?: number;
}

/** How the lines are read, and what the target table allows the load statement to do faster. */
export interface LoadShape {
  /** How the table object's rows are written (`line-format.ts`). @default 'json' */
  readonly lineFormat?: LineFormat;
  /**
   * `record` lines: the row type each line is read as (`line::<rowType>`, record_in), with the snapshot's
   * columns in its order: the table itself when `wholeRow`, else a temporary table made for it
   * (`CREATE TEMP TABLE ... AS SELECT <columns> FROM <table> WITH NO DATA`). @default the table
   */
  readonly rowType?: string;
  /**
   * `record` lines: render every row read back and compare it with its line (`record-batch.ts`). False when
   * every snapshot column's target type is the manifest's and reads its text back exactly
   * (`TargetColumn.exactText`): the batch is stored only if the text received has the SHA-256 sent, and
   * the count of rows stored proves it then.
   * @default true
   */
  readonly renderRows?: boolean;
  /**
   * `json` lines: read the rows through `jsonb` (one parse into a binary tree) rather than `json` (parsed
   * to validate, then again to populate): only when no column keeps JSON text as written
   * (`TargetTable.keepsJsonText`).
   */
  readonly jsonb: boolean;
  /**
   * The table's columns are exactly the snapshot's (names, order, none generated): a row is rendered whole
   * in RETURNING, rather than column by column over the inserted rows.
   */
  readonly wholeRow: boolean;
  /**
   * `json` lines: the rows' rendering may hold a raw line break (`TargetTable.mayHoldLineBreaks`): the
   * verification then replaces line breaks as the export did (`jsonLine`); without, it skips that pass
   * (same bytes).
   * @default true
   */
  readonly lineBreaks?: boolean;
}

export interface LoadedTable {
  /** Rows loaded (and proven: see {@link loadTable}). */
  readonly rows: number;
  /** INSERT statements run. */
  readonly batches: number;
}

/** The transaction-local variable a row too large for one request is assembled in. */
const ROW_VARIABLE = 'rds_migrate.restore_row';

/** Bytes `text` (of `bytes` UTF-8 bytes) takes as a JSON string's content: what JSON.stringify adds are ASCII escapes. */
function escapedBytes(text: string, bytes: number): number {
  return bytes + (JSON.stringify(text).length - 2 - text.length);
}

/**
 * Bytes UTF-8 text takes as a JSON string's content, counted on its bytes (as JSON.stringify escapes):
 * `"` and `\\` take 2, `\b \t \n \f \r` 2, other control characters 6 (`\u00XX`), the rest as they are.
 */
function escapedSize(bytes: Uint8Array): number {
  let size = bytes.length;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b === 0x22 || b === 0x5c) size += 1;
    else if (b < 0x20) size += b === 8 || b === 9 || b === 10 || b === 12 || b === 13 ? 1 : 5;
  }
  return size;
}

/**
 * The statement loading a batch: `record` lines, {@link recordBatchStatement} over the lines cut from the
 * text (`rows.lines`); `json` lines, {@link jsonLoadStatement} over the JSON array of them (`rows.text`),
 * answering one row.
 */
function loadStatement(table: ManifestTable, rows: RecordBatchSource, shape: LoadShape): RecordBatch {
  return (shape.lineFormat ?? 'json') === 'record'
    ? recordBatchStatement(table, rows, { rowType: shape.rowType, renderRows: shape.renderRows })
    : { sql: jsonLoadStatement(table, rows.text, shape), answers: 'answer' };
}

/**
 * `json` lines: read with `json[b]_populate_recordset`, inserted, and answering the digest of the rows as
 * inserted (`inserted_*`: rendered with the export's own line, `lineSource`), which must equal the digest
 * of the lines sent (`LineDigest`).
 */
function jsonLoadStatement(table: ManifestTable, rows: string, shape: LoadShape): string {
  const name = qualifiedName(table.schema, table.table);
  const columns = table.columns.map((c) => quoteIdentifier(c.name));
  const json = shape.jsonb ? 'jsonb' : 'json';
  const source = `${json}_populate_recordset(NULL::${name}, (${rows})::${json}) AS rds_row`;
  const lineBreaks = shape.lineBreaks ?? true;
  const rendered = lineSource(
    { schema: table.schema, table: table.table, kind: 'table', columns: table.columns, hasGeneratedColumns: !shape.wholeRow, mayHoldLineBreaks: lineBreaks },
    'json',
  );
  const returning = shape.wholeRow
    ? `sha256(${jsonLine('row_to_json(rds_target)', lineBreaks)}) AS h`
    : columns.length === 0
      ? '1 AS rds_none'
      : columns.join(', ');
  const insert = insertStatement(name, columns, (c) => `rds_row.${c}`, source, returning);
  const digested = shape.wholeRow
    ? 'SELECT h FROM rds_inserted'
    : // OFFSET 0 keeps the subquery from being pulled up: the aggregates read `h` twice, which would render every row twice.
      `SELECT sha256(${rendered.line}) AS h FROM rds_inserted AS t CROSS JOIN LATERAL (SELECT ${table.columns.map((c) => `t.${quoteIdentifier(c.name)}`).join(', ')}) AS r OFFSET 0`;
  return `WITH rds_inserted AS (${insert})
SELECT ${digestAggregates('inserted')} FROM (${digested}) AS i`;
}

/**
 * Loads a table object's lines (its uncompressed bytes, in chunks with their line ends:
 * `table-object-stream.ts`; in `shape.lineFormat`) into the table through `tx`, batch by batch, each batch one statement (see
 * {@link loadStatement}):
 *
 *     WITH rds_line AS MATERIALIZED (SELECT l, n, l::s.t AS r FROM string_to_table(:rows, :separator) WITH ORDINALITY AS (l, n)),
 *       rds_inserted AS (INSERT INTO s.t (cols) OVERRIDING SYSTEM VALUE SELECT (r).c1, ... FROM rds_line RETURNING 1) SELECT ...
 *     INSERT INTO s.t (cols) OVERRIDING SYSTEM VALUE SELECT (r).c1, ...
 *       FROM (SELECT l::s.t AS r FROM string_to_table(:rows, :separator) AS l OFFSET 0) AS x WHERE encode(sha256(...)) = :sha256
 *     INSERT INTO s.t (cols) OVERRIDING SYSTEM VALUE SELECT cols FROM jsonb_populate_recordset(NULL::s.t, :rows::jsonb)
 *
 * `record` lines are read by the row type's input function (record_in: each field by its type's input
 * function, the inverse of the export's record_out); `json[b]_populate_recordset` (PostgreSQL docs, 9.16 "JSON Functions and Operators") reads each field
 * with its column's type input function, so every value comes back from PostgreSQL's own JSON rendering
 * (through `json` when a column keeps JSON text as written, `shape.jsonb` false);
 * `OVERRIDING SYSTEM VALUE` lets identity columns take the snapshot's values; generated columns are
 * computed again. A batch is whole lines cut from the stream, with no per-line work in JavaScript but (`json`) its
 * digest: the bytes become one string, each line end turned into `,` (`json`: a JSON array) or into a
 * control byte the batch does not hold (`record`: split by `string_to_array`), at most `batchBytes` once
 * JSON-escaped (the Data API's 4 MiB request limit; a batch over it is split in two). The next batch is prepared while the last
 * INSERT runs, its request too (`ExecuteOptions.after`), and sent as soon as the last has answered (one
 * call in flight, as a Data API transaction requires).
 *
 * Each batch proves its rows. `record` lines: the statement answers the SHA-256 of the text it received,
 * compared with the text sent, the rows it stored, and the first line whose row does not render back to
 * it, if any (`record-batch.ts`); with `shape.renderRows` false it stores the batch only if the text it
 * received has the SHA-256 sent, and its count of rows stored must be the lines sent. `json` lines: the digest of the lines sent is computed here (`LineDigest`), each
 * statement answers the digest of the rows it inserted (`row-digest.ts`), and the sums must be equal
 * once the table is loaded.
 *
 * A line longer than a batch is assembled in the transaction-local variable `rds_migrate.restore_row`
 * (`set_config(..., true)`), piece by piece as it streams, and inserted from it: memory stays bounded by
 * the batch whatever the row's size.
 *
 * @throws {RestoredRowsDiffer} when the rows stored are not the lines sent (naming the line, never its
 *   content); the driver's error (a constraint, a line PostgreSQL cannot read); the chunks' error
 *   (`TableObjectMismatch` when the object differs from its manifest entry)
 */
export async function loadTable(tx: Executor, table: ManifestTable, chunks: AsyncIterable<TableChunk>, options: LoadTableOptions = {}): Promise<LoadedTable> {
  const batchBytes = options.batchBytes ?? 3.5 * 1024 * 1024;
  if (!Number.isInteger(batchBytes) || batchBytes < 1024 || batchBytes > 4 * 1024 * 1024) {
    throw new Error(`batchBytes: ${batchBytes} must be an integer from 1024 to 4194304 (the Data API's 4 MiB request limit)`);
  }
  const shape = options.shape ?? { jsonb: false, wholeRow: false };
  const format = shape.lineFormat ?? 'json';
  // A batch of `:rows` (`json` lines use only its text); a line assembled in the database is read from the
  // variable instead, its SHA-256 sent as a batch's is.
  const source = recordBatchSource(options.serverVersion ?? 0);
  const batchSql = loadStatement(table, source, shape);
  const line = `current_setting('${ROW_VARIABLE}')`;
  const assembledSql = loadStatement(
    table,
    format === 'record' ? { ...source, lines: `unnest(ARRAY[${line}])`, text: line } : { ...source, text: `'[' || ${line} || ']'` },
    shape,
  );
  /** `json` lines: the digest of the lines sent, and of the rows inserted (`row-digest.ts`). */
  const sent = new LineDigest();
  let inserted = EMPTY_DIGEST;
  let rows = 0;
  let batches = 0;
  /** Bytes of the lines sent so far, `\n` included. */
  let sentBytes = 0;
  /** The statement running, and (`record` lines) what it was sent and how it answers. */
  let inFlight: { call: Promise<QueryResult>; batch?: SentRecordBatch & Pick<RecordBatch, 'answers'> } | undefined;
  /** Raw bytes per batch before escaping: adapted to what escaping added to the last batch. */
  let target = Math.floor(batchBytes / 1.3);

  /** Waits for a load statement and checks (`record`) or adds up (`json`) what it answered. */
  const settleCall = async ({ call, batch }: NonNullable<typeof inFlight>) => {
    const { rows: result, rowsAffected } = await call;
    if (!batch) {
      inserted = addDigests(inserted, digestOf(result[0]!, 'inserted'));
      return;
    }
    const difference = batch.answers === 'count' ? storedBatchDifference(rowsAffected, batch) : recordBatchDifference(result[0]!, batch);
    if (difference !== undefined) throw new RestoredRowsDiffer(difference);
  };
  const settle = async () => {
    if (!inFlight) return;
    const running = inFlight;
    inFlight = undefined;
    await settleCall(running);
  };
  /** Sends `statement` with `params`, for `lines` lines; `sha256` (`record` lines): of the text sent. */
  const send = async (statement: RecordBatch, params: Record<string, string>, lines: number, sha256?: string) => {
    // Prepared now, sent once the last statement has answered (`after`): one call at a time on the
    // transaction, and the next leaves as soon as the last ends. Not sent when the last one failed.
    const previous = inFlight;
    // Only a statement answering its count takes the SHA-256 (a parameter the SQL does not name is not sent).
    const all = statement.answers === 'count' && sha256 !== undefined ? { ...params, sha256 } : params;
    const call = tx.execute(statement.sql, all, previous ? { after: previous.call } : undefined);
    call.catch(() => undefined);
    inFlight = { call, ...(sha256 !== undefined ? { batch: { lines, sha256, firstLine: rows + 1, answers: statement.answers } } : {}) };
    if (previous) await settleCall(previous);
    rows += lines;
    batches += 1;
    await options.onBatch?.({ rows, batches, bytes: sentBytes });
  };
  /**
   * Sends whole lines (`bytes` ends with `\n`; `ends`, their line ends), splitting them
   * when their escaped text is too large.
   */
  const sendLines = async (bytes: Buffer, ends: number[]): Promise<void> => {
    const lines = ends.length;
    if (ends.at(-1) !== bytes.length - 1) throw new Error(`the last line of ${table.schema}.${table.table} has no end`);
    // `json`: the lines joined by `,` into a JSON array; `record`: by a separator byte absent from them
    // (`separatorFor`). Either way each line end becomes one byte: `,` counts 1 escaped, the separator 6.
    // Lines holding every separator byte are sent in smaller batches, down to one line (assembled).
    const separator = format === 'record' ? separatorFor(bytes) : undefined;
    const unseparated = format === 'record' && separator === undefined;
    const size = unseparated ? Infinity : escapedSize(bytes) - lines * 2 + (separator === undefined ? lines + 2 : (lines - 1) * 6);
    if (size > batchBytes && lines > 1) {
      const middle = Math.floor((lines - 1) / 2);
      const cut = ends[middle]!;
      if (!unseparated) target = Math.max(1024, Math.floor(target * (batchBytes / size) * 0.9));
      await sendLines(bytes.subarray(0, cut + 1), ends.slice(0, middle + 1));
      await sendLines(bytes.subarray(cut + 1), ends.slice(middle + 1).map((end) => end - cut - 1));
      return;
    }
    if (size > batchBytes) {
      await assemble([bytes.subarray(0, bytes.length - 1)]);
      return;
    }
    target = Math.max(1024, Math.min(batchBytes, Math.floor(target * Math.min(1.25, (batchBytes * 0.95) / size))));
    sentBytes += bytes.length;
    if (format === 'json') ends.forEach((end, i) => sent.add(bytes.subarray(i === 0 ? 0 : ends[i - 1]! + 1, end)));
    // The line ends turned into the join byte in place.
    for (const end of ends) bytes[end] = separator ?? 0x2c;
    const text = bytes.toString('utf8', 0, bytes.length - 1);
    if (separator !== undefined) {
      const sha256 = createHash('sha256').update(bytes.subarray(0, bytes.length - 1)).digest('hex');
      await send(batchSql, { rows: text, separator: String.fromCharCode(separator) }, lines, sha256);
    } else await send(batchSql, { rows: `[${text}]` }, lines);
  };
  /** Assembles one line (its pieces, without `\n`) in the database and inserts it. */
  const assemble = async (pieces: Iterable<Buffer> | AsyncIterable<Buffer>): Promise<void> => {
    const decoder = new StringDecoder('utf8');
    const lineHash = createHash('sha256');
    let first = true;
    const append = async (text: string) => {
      for (const piece of splitText(text, batchBytes)) {
        await settle();
        const value = first ? ':piece' : `current_setting('${ROW_VARIABLE}') || :piece`;
        await tx.execute(`SELECT length(set_config('${ROW_VARIABLE}', ${value}, true)) AS length`, { piece });
        first = false;
      }
    };
    for await (const piece of pieces) {
      sentBytes += piece.length;
      lineHash.update(piece);
      await append(decoder.write(piece));
    }
    await append(decoder.end());
    const lineSha256 = lineHash.digest();
    if (format === 'json') sent.addHash(lineSha256);
    sentBytes += 1; // its `\n`
    await send(assembledSql, {}, 1, format === 'record' ? lineSha256.toString('hex') : undefined);
    await settle();
    await tx.execute(`SELECT length(set_config('${ROW_VARIABLE}', '', true)) AS length`);
  };

  const iterator = chunks[Symbol.asyncIterator]();
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  /** Line ends in the pending bytes (as if concatenated), from the chunks' own. */
  let pendingEnds: number[] = [];
  /** Keeps what follows the line end at `cut` of `buffer` pending. */
  const keepAfter = (buffer: Buffer, cut: number, ends: number[]) => {
    pending = [buffer.subarray(cut + 1)];
    pendingBytes = buffer.length - cut - 1;
    pendingEnds = ends.map((end) => end - cut - 1);
  };
  for (;;) {
    const next = await iterator.next();
    if (next.done) break;
    for (const end of next.value.ends) pendingEnds.push(pendingBytes + end);
    pending.push(next.value.bytes);
    pendingBytes += next.value.bytes.length;
    while (pendingBytes >= target) {
      const buffer = Buffer.concat(pending);
      // The line ends before the target (the batch), else the first one after it.
      let count = 0;
      while (count < pendingEnds.length && pendingEnds[count]! < target) count += 1;
      if (count > 0) {
        const cut = pendingEnds[count - 1]!;
        const batchEnds = pendingEnds.slice(0, count);
        keepAfter(buffer, cut, pendingEnds.slice(count));
        await sendLines(buffer.subarray(0, cut + 1), batchEnds);
        continue;
      }
      // The first line is longer than a batch: stream it into the database up to its end.
      if (pendingEnds.length > 0) {
        const end = pendingEnds[0]!;
        await assemble([buffer.subarray(0, end)]);
        keepAfter(buffer, end, pendingEnds.slice(1));
        continue;
      }
      let rest: TableChunk = { bytes: Buffer.alloc(0), ends: [] };
      await assemble(
        (async function* () {
          yield buffer;
          for (;;) {
            const more = await iterator.next();
            if (more.done) throw new Error(`the last line of ${table.schema}.${table.table} has no end`);
            if (more.value.ends.length === 0) {
              yield more.value.bytes;
              continue;
            }
            rest = more.value;
            yield rest.bytes.subarray(0, rest.ends[0]!);
            return;
          }
        })(),
      );
      const newline = rest.ends[0]!;
      keepAfter(rest.bytes, newline, rest.ends.slice(1));
    }
  }
  if (pendingBytes > 0) {
    const buffer = Buffer.concat(pending);
    if (buffer[buffer.length - 1] !== 0x0a) throw new Error(`the last line of ${table.schema}.${table.table} has no end`);
    await sendLines(buffer, pendingEnds);
  }
  await settle();
  if (format === 'json') {
    const lines = sent.digest();
    if (!sameDigest(lines, inserted)) {
      throw new RestoredRowsDiffer(
        `the ${inserted.rows} rows inserted have digest (${inserted.sumA}, ${inserted.sumB}), the ${lines.rows} lines of the snapshot (${lines.sumA}, ${lines.sumB})`,
      );
    }
  }
  return { rows, batches };
}

/**
 * A byte that `bytes` (UTF-8 text) does not hold, to join `record` lines with for `string_to_array`: a
 * control character from 0x01 to 0x1f, other than the line break (and never NUL, which PostgreSQL text
 * cannot hold); undefined when the bytes hold all 30.
 */
function separatorFor(bytes: Buffer): number | undefined {
  for (let byte = 0x01; byte < 0x20; byte++) if (byte !== 0x0a && bytes.indexOf(byte) < 0) return byte;
  return undefined;
}

/**
 * Cuts `text` into pieces whose JSON-escaped UTF-8 size is at most `maxBytes`, never inside a surrogate
 * pair: each piece starts from a guess of the characters that fit and shrinks until it does.
 */
function splitText(text: string, maxBytes: number): string[] {
  const pieces: string[] = [];
  let guess = Math.max(1, Math.floor(maxBytes / 1.5));
  for (let start = 0; start < text.length; ) {
    for (;;) {
      let end = Math.min(text.length, start + guess);
      const code = text.charCodeAt(end - 1);
      if (end < text.length && end - start > 1 && code >= 0xd800 && code <= 0xdbff) end -= 1;
      const piece = text.slice(start, end);
      const size = escapedBytes(piece, Buffer.byteLength(piece));
      if (size <= maxBytes || end - start <= 1) {
        pieces.push(piece);
        start = end;
        break;
      }
      guess = Math.max(1, Math.floor((end - start) * (maxBytes / size) * 0.95));
    }
  }
  return pieces;
}
