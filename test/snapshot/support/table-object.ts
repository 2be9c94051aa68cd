import { GetObjectCommand, HeadObjectCommand, ListMultipartUploadsCommand, type S3Client } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { LineScanner, type LineFormat } from '../../../lambda/snapshot/line-format';

/** A table object read back from S3: its gzip size, the uncompressed bytes, their SHA-256 and lines (in the format its key names). */
export interface TableObject {
  readonly compressedBytes: number;
  readonly bytes: number;
  readonly checksum: string;
  /** How the lines are written: `record` for a `.records.gz` key, else `json`. */
  readonly format: LineFormat;
  /** The lines, without their `\n`. */
  readonly lines: string[];
}

export async function readTableObject(s3: S3Client, bucket: string, key: string): Promise<TableObject> {
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const gz = await object.Body!.transformToByteArray();
  const raw = gunzipSync(gz);
  const format: LineFormat = key.endsWith('.records.gz') ? 'record' : 'json';
  const ends = new LineScanner(format).ends(raw);
  if (raw.length > 0 && ends.at(-1) !== raw.length - 1) throw new Error(`${key}: its last line does not end with a newline`);
  const lines = ends.map((end, i) => raw.toString('utf8', i === 0 ? 0 : ends[i - 1]! + 1, end));
  return { compressedBytes: gz.length, bytes: raw.length, checksum: createHash('sha256').update(raw).digest('hex'), format, lines };
}

export async function objectExists(s3: S3Client, bucket: string, key: string): Promise<boolean> {
  try {
    await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return true;
  } catch (error) {
    if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return false;
    throw error;
  }
}

export async function multipartUploadsInProgress(s3: S3Client, bucket: string): Promise<string[]> {
  const listed = await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
  return (listed.Uploads ?? []).map((u) => u.Key!);
}
