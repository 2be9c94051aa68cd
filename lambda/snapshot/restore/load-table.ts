import { StringDecoder } from 'node:string_decoder';
import type { Executor, QueryResult } from '../../driver/driver';
import type { ManifestTable } from '../manifest';
import { qualifiedName, quoteIdentifier } from '../quote-identifier';
import { RowDigestBuilder, type RowDigest } from './row-digest';
import type { LineFragment } from './table-lines';

export interface LoadTableOptions {
  /**
   * Largest `:rows` parameter of one INSERT, in bytes as the Data API request carries it (JSON-escaped).
   * A request is at most 4 MiB (`/work/shared/data-api-reference.md`, "Limits"); the statement and the
   * request's framing take the rest. A row larger than this is loaded in pieces (see {@link loadTable}).
   * @default 3.5 MiB
   */
  readonly batchBytes?: number;
  /** Called after each statement that loaded rows, with the rows loaded so far. */
  readonly onBatch?: (loaded: { rows: number; batches: number }) => void | Promise<void>;
}

export interface LoadedTable {
  readonly rows: number;
  /** INSERT statements run. */
  readonly batches: number;
  /** The digest of the lines read (see `row-digest.ts`). */
  readonly digest: RowDigest;
}

/** The transaction-local variable a row too large for one request is assembled in. */
const ROW_VARIABLE = 'rds_migrate.restore_row';

/** Bytes `text` takes as a JSON string's content (what JSON.stringify adds: escapes, all ASCII). */
function escapedBytes(text: string, bytes: number): number {
  return bytes + (JSON.stringify(text).length - 2 - text.length);
}

/** The INSERT of a batch: `rows` is the SQL expression of a JSON array of row objects. */
function insertStatement(table: ManifestTable, rows: string): string {
  const name = qualifiedName(table.schema, table.table);
  const source = `json_populate_recordset(NULL::${name}, ${rows})`;
  if (table.columns.length === 0) return `INSERT INTO ${name} SELECT FROM ${source}`;
  const columns = table.columns.map((c) => quoteIdentifier(c.name)).join(', ');
  return `INSERT INTO ${name} (${columns}) OVERRIDING SYSTEM VALUE SELECT ${columns} FROM ${source}`;
}

/**
 * Loads the JSON lines of a table object into the table through `tx`, batch by batch:
 *
 *     INSERT INTO s.t (cols) OVERRIDING SYSTEM VALUE SELECT cols FROM json_populate_recordset(NULL::s.t, :rows::json)
 *
 * `json_populate_recordset` (PostgreSQL docs, 9.16 "JSON Functions and Operators") reads each field
 * with its column's type input function, so every value comes back from PostgreSQL's own JSON
 * rendering; `OVERRIDING SYSTEM VALUE` lets identity columns take the snapshot's values; generated
 * columns are computed again. Batches are cut at `batchBytes` of JSON-escaped text (the Data API's
 * 4 MiB request limit); the next batch is read and prepared while the last INSERT runs (one call in
 * flight, as a Data API transaction requires).
 *
 * A row whose text alone exceeds `batchBytes` is assembled in the transaction-local variable
 * `rds_migrate.restore_row` (`set_config(..., true)`), piece by piece, and inserted from it; memory stays
 * bounded by the fragments (`table-lines.ts`) whatever the row's size.
 *
 * @returns rows and statements, and the digest of the lines read
 * @throws the driver's error (a constraint, a type that does not read back); the lines' error
 *   (`TableObjectMismatch` when the object differs from its manifest entry)
 */
export async function loadTable(
  tx: Executor,
  table: ManifestTable,
  lines: AsyncIterable<LineFragment[]>,
  options: LoadTableOptions = {},
): Promise<LoadedTable> {
  const batchBytes = options.batchBytes ?? 3.5 * 1024 * 1024;
  if (!Number.isInteger(batchBytes) || batchBytes < 1024 || batchBytes > 4 * 1024 * 1024) {
    throw new Error(`batchBytes: ${batchBytes} must be an integer from 1024 to 4194304 (the Data API's 4 MiB request limit)`);
  }
  const insertBatch = insertStatement(table, ':rows::json');
  const insertAssembled = insertStatement(table, `('[' || current_setting('${ROW_VARIABLE}') || ']')::json`);
  const digest = new RowDigestBuilder();
  let rows = 0;
  let batches = 0;
  let inFlight: Promise<QueryResult> | undefined;

  const settle = async () => {
    if (!inFlight) return;
    const running = inFlight;
    inFlight = undefined;
    await running;
  };
  const send = async (sql: string, params: Record<string, string>, loaded: number) => {
    await settle();
    inFlight = tx.execute(sql, params);
    inFlight.catch(() => undefined);
    rows += loaded;
    batches += 1;
    await options.onBatch?.({ rows, batches });
  };

  let batch: string[] = [];
  let batchSize = 2;
  const flush = async () => {
    if (batch.length === 0) return;
    const text = `[${batch.join(',')}]`;
    const count = batch.length;
    batch = [];
    batchSize = 2;
    await send(insertBatch, { rows: text }, count);
  };

  /** The current line when it came in several fragments. */
  let partial: { decoder: StringDecoder; texts: string[]; size: number; assembling: boolean } | undefined;
  const appendPiece = async (piece: string, first: boolean) => {
    await settle();
    const value = first ? ':piece' : `current_setting('${ROW_VARIABLE}') || :piece`;
    await tx.execute(`SELECT length(set_config('${ROW_VARIABLE}', ${value}, true)) AS length`, { piece });
  };

  try {
    for await (const fragments of lines) {
      for (const fragment of fragments) {
        digest.add(fragment.bytes, fragment.end);
        if (fragment.end && !partial) {
          const text = fragment.bytes.toString('utf8');
          const size = escapedBytes(text, fragment.bytes.length) + 1;
          if (size + 2 <= batchBytes) {
            if (batchSize + size > batchBytes) await flush();
            batch.push(text);
            batchSize += size;
            continue;
          }
          partial = { decoder: new StringDecoder('utf8'), texts: [], size: 0, assembling: false };
          partial.texts.push(text);
          partial.size = size;
        } else {
          partial ??= { decoder: new StringDecoder('utf8'), texts: [], size: 0, assembling: false };
          const text = partial.decoder.write(fragment.bytes) + (fragment.end ? partial.decoder.end() : '');
          partial.texts.push(text);
          partial.size += escapedBytes(text, Buffer.byteLength(text));
        }
        // A long line: keep it in memory while it may still fit a batch; past that, assemble it in the database.
        if (!partial.assembling && partial.size + 2 > batchBytes) {
          await flush();
          partial.assembling = true;
          const pending = partial.texts.join('');
          partial.texts = [];
          partial.size = 0;
          let first = true;
          for (const piece of splitText(pending, batchBytes)) {
            await appendPiece(piece, first);
            first = false;
          }
        } else if (partial.assembling && partial.size > batchBytes / 2) {
          const pending = partial.texts.join('');
          partial.texts = [];
          partial.size = 0;
          for (const piece of splitText(pending, batchBytes)) await appendPiece(piece, false);
        }
        if (fragment.end) {
          if (partial.assembling) {
            const rest = partial.texts.join('');
            if (rest.length > 0) for (const piece of splitText(rest, batchBytes)) await appendPiece(piece, false);
            await send(insertAssembled, {}, 1);
            await settle();
            await tx.execute(`SELECT length(set_config('${ROW_VARIABLE}', '', true)) AS length`);
          } else {
            const text = partial.texts.join('');
            if (batchSize + partial.size + 1 > batchBytes) await flush();
            batch.push(text);
            batchSize += partial.size + 1;
          }
          partial = undefined;
        }
      }
    }
    await flush();
    await settle();
  } catch (error) {
    await inFlight?.catch(() => undefined);
    throw error;
  }
  return { rows, batches, digest: digest.digest() };
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
