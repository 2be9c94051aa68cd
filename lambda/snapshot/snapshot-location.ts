import type { S3Client } from '@aws-sdk/client-s3';
import type { KeyScope } from './keys';

/** Where the snapshots of one database live: a bucket, a key prefix and the database name. */
export interface SnapshotLocation extends KeyScope {
  /** An S3 client for the bucket's region (see `local/s3` for the local one). */
  readonly s3: S3Client;
  readonly bucket: string;
}

/** `s3://bucket/key`, for messages. */
export function s3Url(bucket: string, key: string): string {
  return `s3://${bucket}/${key}`;
}

/** True for S3's "no such key" answers (GetObject NoSuchKey, HeadObject 404 NotFound). */
export function isMissingObject(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } } | null;
  return e?.name === 'NoSuchKey' || e?.name === 'NotFound' || e?.$metadata?.httpStatusCode === 404;
}
