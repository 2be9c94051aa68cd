import { GetObjectCommand, HeadObjectCommand, ListMultipartUploadsCommand, type S3Client } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';

/** A table object read back from S3: its gzip size, the uncompressed bytes, their SHA-256 and lines. */
export interface TableObject {
  readonly compressedBytes: number;
  readonly bytes: number;
  readonly checksum: string;
  /** The JSON lines, without their `\n`. */
  readonly lines: string[];
}

export async function readTableObject(s3: S3Client, bucket: string, key: string): Promise<TableObject> {
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const gz = await object.Body!.transformToByteArray();
  const raw = gunzipSync(gz);
  const text = raw.toString('utf8');
  if (text.length > 0 && !text.endsWith('\n')) throw new Error(`${key}: does not end with a newline`);
  const lines = text.length === 0 ? [] : text.slice(0, -1).split('\n');
  return { compressedBytes: gz.length, bytes: raw.length, checksum: createHash('sha256').update(raw).digest('hex'), lines };
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
