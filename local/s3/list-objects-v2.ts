import type { S3rverContext } from 's3rver';
import { sendXmlError } from './xml-error';

/**
 * ListObjectsV2 (`GET /<bucket>?list-type=2`), answered here instead of by s3rver 3.7: s3rver encrypts
 * its continuation tokens with DES, which OpenSSL 3 (Node 17+) no longer offers by default, so any
 * listing of more than 1,000 keys (or a `max-keys` page) fails with InternalError on Node 20. The
 * listing itself still comes from s3rver's store; the continuation token here is the last key returned,
 * base64url-encoded (opaque to clients, as S3's is). Follows the S3 API reference for ListObjectsV2:
 * `prefix`, `delimiter` (CommonPrefixes), `start-after`, `max-keys` (at most 1,000),
 * `continuation-token`, `KeyCount`, `IsTruncated`, `NextContinuationToken`.
 */
export async function listObjectsV2(ctx: S3rverContext, next: () => Promise<void>): Promise<void> {
  const segments = ctx.path.split('/').filter((s) => s !== '');
  if (ctx.method !== 'GET' || segments.length !== 1 || ctx.query['list-type'] !== '2') {
    await next();
    return;
  }
  const bucket = decodeURIComponent(segments[0]!);
  const query = (name: string): string | undefined => {
    const value = ctx.query[name];
    return typeof value === 'string' ? value : undefined;
  };
  if (!(await ctx.store.getBucket(bucket))) {
    sendXmlError(ctx, 404, 'NoSuchBucket', 'The specified bucket does not exist');
    return;
  }
  const maxKeysText = query('max-keys');
  const maxKeys = maxKeysText === undefined ? 1000 : Number(maxKeysText);
  if (!Number.isInteger(maxKeys) || maxKeys < 0) {
    sendXmlError(ctx, 400, 'InvalidArgument', 'Provided max-keys not an integer or within integer range');
    return;
  }
  const token = query('continuation-token');
  let startAfter = query('start-after') ?? '';
  if (token !== undefined) {
    const decoded = Buffer.from(token, 'base64url').toString('utf8');
    if (!decoded.startsWith('v1:')) {
      sendXmlError(ctx, 400, 'InvalidArgument', 'The continuation token provided is incorrect');
      return;
    }
    startAfter = decoded.slice(3);
  }
  const prefix = query('prefix') ?? '';
  const delimiter = query('delimiter') ?? '';
  const result =
    maxKeys === 0
      ? { objects: [], commonPrefixes: [], isTruncated: false }
      : await ctx.store.listObjects(bucket, { prefix, delimiter, startAfter, maxKeys: Math.min(1000, maxKeys) });
  const last = result.objects[result.objects.length - 1];
  ctx.status = 200;
  ctx.body = {
    ListBucketResult: {
      '@': { xmlns: 'http://s3.amazonaws.com/doc/2006-03-01/' },
      Name: bucket,
      Prefix: prefix,
      ...(token === undefined && startAfter ? { StartAfter: startAfter } : {}),
      ...(token !== undefined ? { ContinuationToken: token } : {}),
      ...(result.isTruncated && last ? { NextContinuationToken: Buffer.from(`v1:${last.key}`, 'utf8').toString('base64url') } : {}),
      KeyCount: result.objects.length + result.commonPrefixes.length,
      MaxKeys: maxKeys,
      ...(delimiter ? { Delimiter: delimiter } : {}),
      IsTruncated: result.isTruncated,
      Contents: result.objects.map((object) => ({
        Key: object.key,
        LastModified: object.lastModifiedDate.toISOString(),
        ETag: object.metadata.etag,
        Size: object.size,
        StorageClass: 'STANDARD',
      })),
      CommonPrefixes: result.commonPrefixes.map((p) => ({ Prefix: p })),
    },
  };
}
