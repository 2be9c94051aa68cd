import type { S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { Transform } from 'node:stream';
import { createGzip, type Gzip } from 'node:zlib';

/**
 * zlib settings of the table objects' gzip beside its level: a 4 KiB window (`windowBits` 12) and the most
 * memory for its hash (`memLevel` 9). Level 1 then takes about 15% less CPU time than with zlib's defaults
 * (`windowBits` 15, `memLevel` 8) on the bench table's record lines, for an object no larger (31.3% of the
 * lines against 31.6%): a row's repeats are within the row or the rows just before it (`npx tsx
 * bench/snapshot-gzip.ts`). Any gzip reader takes a smaller window; the restore's `createGunzip` does.
 */
export const TABLE_OBJECT_GZIP = { windowBits: 12, memLevel: 9 } as const;

/** What was written to one table object. */
export interface TableObjectStats {
  /** Uncompressed bytes written. */
  readonly bytes: number;
  /** Bytes of the gzip stream, i.e. of the S3 object. */
  readonly compressedBytes: number;
  /** Lowercase hex SHA-256 of the uncompressed bytes. */
  readonly checksum: string;
}

export interface TableObjectWriterOptions {
  readonly s3: S3Client;
  readonly bucket: string;
  readonly key: string;
  /**
   * Multipart part size in bytes; S3's minimum, 5 MiB, is also the default. Memory held is about
   * `partSizeBytes * (queueSize + 1)`.
   */
  readonly partSizeBytes?: number;
  /** Parts uploaded at once. @default 1 (the export is sequential anyway) */
  readonly queueSize?: number;
  /**
   * gzip level, 1 (fastest) to 9 (smallest). Level 1 compresses JSON lines about 3 times faster than
   * zlib's default 6 for objects about 13% larger. @default 1
   */
  readonly gzipLevel?: number;
}

/**
 * Streams bytes into `s3://bucket/key` as gzip: SHA-256 and byte counts on the way, upload through
 * `@aws-sdk/lib-storage`'s `Upload` (one PutObject under one part size, a multipart upload above), so
 * memory stays bounded by the part size whatever the size of the table.
 *
 * `write` waits while the upload is behind (gzip back-pressure) and fails as soon as the upload has
 * failed. `finish` ends the stream and resolves once the object is complete. `abort` ends it with an
 * error instead: lib-storage then aborts the multipart upload (AbortMultipartUpload), so no object and no
 * orphaned parts are left.
 */
export class TableObjectWriter {
  private readonly gzip: Gzip;
  private readonly hash = createHash('sha256');
  private readonly body: Transform;
  private readonly done: Promise<unknown>;
  private uploadError: unknown = undefined;
  private bytes = 0;
  private compressedBytes = 0;
  private ended = false;
  private readonly objectKey: string;

  /** @throws {Error} when `gzipLevel` is not an integer from 1 to 9 */
  constructor(options: TableObjectWriterOptions) {
    this.objectKey = options.key;
    const level = options.gzipLevel ?? 1;
    if (!Number.isInteger(level) || level < 1 || level > 9) throw new Error(`gzipLevel: ${level} must be an integer from 1 to 9`);
    this.gzip = createGzip({ level, ...TABLE_OBJECT_GZIP });
    this.body = new Transform({
      transform: (chunk: Buffer, _encoding, callback) => {
        this.compressedBytes += chunk.length;
        callback(null, chunk);
      },
    });
    this.gzip.on('error', (error) => this.body.destroy(error));
    this.gzip.pipe(this.body);
    const upload = new Upload({
      client: options.s3,
      params: { Bucket: options.bucket, Key: options.key, Body: this.body, ContentType: 'application/gzip' },
      partSize: options.partSizeBytes ?? 5 * 1024 * 1024,
      queueSize: options.queueSize ?? 1,
      leavePartsOnError: false,
    });
    this.done = upload.done();
    this.done.catch((error: unknown) => {
      this.uploadError = error ?? new Error('upload failed');
    });
  }

  /** The object's key. */
  get key(): string {
    return this.objectKey;
  }

  /** Uncompressed bytes written so far. */
  get bytesWritten(): number {
    return this.bytes;
  }

  /** Compressed bytes produced so far (some may still be buffered for upload). */
  get compressedBytesWritten(): number {
    return this.compressedBytes;
  }

  /**
   * Appends `chunk`.
   * @throws the upload's error once the upload has failed
   */
  async write(chunk: Uint8Array): Promise<void> {
    if (this.ended) throw new Error('TableObjectWriter: write after finish or abort');
    if (this.uploadError !== undefined) throw this.uploadError;
    if (chunk.length === 0) return;
    const buffer = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    this.hash.update(buffer);
    this.bytes += buffer.length;
    if (!this.gzip.write(buffer)) {
      await Promise.race([once(this.gzip, 'drain'), this.done.then(() => undefined)]);
    }
    if (this.uploadError !== undefined) throw this.uploadError;
  }

  /**
   * Ends the stream and waits for the object to be complete in S3.
   * @throws the upload's error
   */
  async finish(): Promise<TableObjectStats> {
    if (this.ended) throw new Error('TableObjectWriter: finish after finish or abort');
    this.ended = true;
    this.gzip.end();
    await this.done;
    return { bytes: this.bytes, compressedBytes: this.compressedBytes, checksum: this.hash.digest('hex') };
  }

  /**
   * Ends the stream with `reason` so that the upload stops and aborts its multipart upload; resolves
   * once the upload has settled. Returns the upload's own error when it failed differently from `reason`
   * (e.g. AbortMultipartUpload itself failed), for the caller to log.
   */
  async abort(reason: Error): Promise<unknown> {
    this.ended = true;
    this.body.destroy(reason);
    this.gzip.destroy();
    try {
      await this.done;
      return undefined;
    } catch (error) {
      return error === reason ? undefined : error;
    }
  }
}
