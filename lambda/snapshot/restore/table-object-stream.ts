import { GetObjectCommand } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { LineScanner, type LineFormat } from '../line-format';
import type { ManifestTable } from '../manifest';
import { s3Url, type SnapshotLocation } from '../snapshot-location';

/** The object does not hold what its manifest entry says: its message names the object and the difference. */
export class TableObjectMismatch extends Error {
  override readonly name = 'TableObjectMismatch';
}

/** A chunk of a table object's uncompressed bytes. */
export interface TableChunk {
  readonly bytes: Buffer;
  /** Indexes in `bytes` of the line ends (`LineScanner`: the `\n` bytes that end a row), in order. */
  readonly ends: number[];
}

/**
 * Reads the table object of `table` (gzip'd lines in `format`, see `manifest.ts` and `line-format.ts`) from S3 as a stream and
 * yields its uncompressed bytes chunk by chunk (64 KiB; a chunk may end inside a line), each with the
 * line ends it holds (found once here, for the count, and used again by the load), checking it
 * against the manifest on the way: the uncompressed size (`bytes`), the number of lines (`rowCount`),
 * the SHA-256 of the uncompressed bytes (`checksum`), and that the last line ends with `\n`. Sizes and
 * counts fail as soon as they are exceeded, the rest at the end: the caller must treat what it consumed
 * as unverified until the generator completes. Memory: the S3 and gunzip buffers.
 *
 * @throws {TableObjectMismatch} when the object differs from its manifest entry or is not gzip (naming `s3://bucket/key`)
 * @throws S3's error (e.g. NoSuchKey, AccessDenied)
 */
export async function* tableObjectStream(location: SnapshotLocation, table: ManifestTable, format: LineFormat): AsyncGenerator<TableChunk> {
  const url = s3Url(location.bucket, table.key);
  const object = await location.s3.send(new GetObjectCommand({ Bucket: location.bucket, Key: table.key }));
  const body = object.Body as Readable | undefined;
  if (!body || typeof body.pipe !== 'function') throw new Error(`${url}: S3 returned no readable body`);
  const gunzip = createGunzip({ chunkSize: 64 * 1024 });
  body.on('error', (error) => gunzip.destroy(error));
  body.pipe(gunzip);

  const hash = createHash('sha256');
  let bytes = 0;
  const scanner = new LineScanner(format);
  let lines = 0;
  let lastEnd = 0;
  try {
    for await (const chunk of gunzip as AsyncIterable<Buffer>) {
      hash.update(chunk);
      bytes += chunk.length;
      const ends = scanner.ends(chunk);
      lines += ends.length;
      if (ends.length > 0) lastEnd = bytes - chunk.length + ends[ends.length - 1]! + 1;
      if (bytes > table.bytes) throw new TableObjectMismatch(`${url} holds more than the ${table.bytes} bytes of lines its manifest says`);
      if (lines > table.rowCount) throw new TableObjectMismatch(`${url} holds more than the ${table.rowCount} rows its manifest says`);
      yield { bytes: chunk, ends };
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
  if (lastEnd !== bytes) throw new TableObjectMismatch(`${url}: its last line does not end with a newline (the object was cut short)`);
  if (lines !== table.rowCount) throw new TableObjectMismatch(`${url} holds ${lines} rows, its manifest says ${table.rowCount}`);
  if (bytes !== table.bytes) throw new TableObjectMismatch(`${url} holds ${bytes} bytes of lines, its manifest says ${table.bytes}`);
  const checksum = hash.digest('hex');
  if (checksum !== table.checksum) throw new TableObjectMismatch(`${url} has SHA-256 ${checksum}, its manifest says ${table.checksum}`);
}
