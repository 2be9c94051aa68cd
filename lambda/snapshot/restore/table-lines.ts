import { GetObjectCommand } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { ManifestTable } from '../manifest';
import { s3Url, type SnapshotLocation } from '../snapshot-location';

/**
 * A piece of one JSON line of a table object, without its `\n`. A line shorter than `fragmentBytes`
 * comes as one fragment with `end` true; a longer one as several, the last with `end` true, so that a
 * row of any size passes through bounded memory.
 */
export interface LineFragment {
  readonly bytes: Buffer;
  /** True on the line's last fragment. */
  readonly end: boolean;
}

/** The object does not hold what its manifest entry says: its message names the object and the difference. */
export class TableObjectMismatch extends Error {
  override readonly name = 'TableObjectMismatch';
}

export interface TableLinesOptions {
  /** Largest fragment handed out, bytes. @default 1 MiB */
  readonly fragmentBytes?: number;
}

const NEWLINE = 0x0a;

/**
 * Reads the table object of `table` (gzip'd JSON lines, see `manifest.ts`) from S3 as a stream and yields
 * its lines as fragments, a batch per decompressed chunk (64 KiB), checking it against the manifest on the way: the uncompressed size
 * (`bytes`), the number of lines (`rowCount`), the SHA-256 of the uncompressed bytes (`checksum`) and
 * that every line ends with `\n`. Sizes and counts are checked as soon as they are exceeded, the
 * checksum at the end: the caller must treat what it loaded as unverified until the generator
 * completes. Memory: the S3 and gunzip buffers and one fragment.
 *
 * @throws {TableObjectMismatch} when the object differs from its manifest entry (size, lines, checksum,
 *   a last line without `\n`) or is not gzip (naming `s3://bucket/key`)
 * @throws S3's error (e.g. NoSuchKey, AccessDenied)
 */
export async function* tableLines(
  location: SnapshotLocation,
  table: ManifestTable,
  options: TableLinesOptions = {},
): AsyncGenerator<LineFragment[]> {
  const fragmentBytes = options.fragmentBytes ?? 1024 * 1024;
  const url = s3Url(location.bucket, table.key);
  const object = await location.s3.send(new GetObjectCommand({ Bucket: location.bucket, Key: table.key }));
  const body = object.Body as Readable | undefined;
  if (!body || typeof (body as Readable).pipe !== 'function') throw new Error(`${url}: S3 returned no readable body`);
  const gunzip = createGunzip({ chunkSize: 64 * 1024 });
  body.on('error', (error) => gunzip.destroy(error));
  body.pipe(gunzip);

  const hash = createHash('sha256');
  let bytes = 0;
  let lines = 0;
  /** Bytes of the current line not yet handed out. */
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  const tooMuch = (what: string) => new TableObjectMismatch(`${url} holds more ${what} than its manifest says (${table.table}: ${what === 'rows' ? table.rowCount : table.bytes})`);
  try {
    for await (const chunk of gunzip as AsyncIterable<Buffer>) {
      const out: LineFragment[] = [];
      hash.update(chunk);
      bytes += chunk.length;
      if (bytes > table.bytes) throw tooMuch('bytes');
      let start = 0;
      for (;;) {
        const newline = chunk.indexOf(NEWLINE, start);
        const stop = newline < 0 ? chunk.length : newline;
        // Hand out full fragments of a long line as they come.
        let piece = chunk.subarray(start, stop);
        while (pendingBytes + piece.length > fragmentBytes) {
          const take = fragmentBytes - pendingBytes;
          pending.push(piece.subarray(0, take));
          out.push({ bytes: Buffer.concat(pending), end: false });
          pending = [];
          pendingBytes = 0;
          piece = piece.subarray(take);
        }
        if (piece.length > 0) {
          pending.push(piece);
          pendingBytes += piece.length;
        }
        if (newline < 0) break;
        lines += 1;
        if (lines > table.rowCount) throw tooMuch('rows');
        out.push({ bytes: pending.length === 1 ? pending[0]! : Buffer.concat(pending), end: true });
        pending = [];
        pendingBytes = 0;
        start = newline + 1;
      }
      if (out.length > 0) yield out;
    }
  } catch (error) {
    if (error instanceof TableObjectMismatch) throw error;
    const code = (error as { code?: string }).code;
    if (typeof code === 'string' && code.startsWith('Z_')) throw new TableObjectMismatch(`${url} is not a valid gzip object: ${(error as Error).message}`);
    throw error;
  } finally {
    body.destroy();
    gunzip.destroy();
  }
  if (pendingBytes > 0) throw new TableObjectMismatch(`${url}: its last line does not end with a newline (the object was cut short)`);
  if (lines !== table.rowCount) throw new TableObjectMismatch(`${url} holds ${lines} rows, its manifest says ${table.rowCount}`);
  if (bytes !== table.bytes) throw new TableObjectMismatch(`${url} holds ${bytes} bytes of JSON lines, its manifest says ${table.bytes}`);
  const checksum = hash.digest('hex');
  if (checksum !== table.checksum) throw new TableObjectMismatch(`${url} has SHA-256 ${checksum}, its manifest says ${table.checksum}`);
}
