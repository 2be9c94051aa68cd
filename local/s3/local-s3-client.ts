/**
 * The client side of the local S3 (`local-s3.ts`), in a module of its own so that code which only talks to
 * a local S3 (the benchmark's side that plays the function) does not load s3rver and its server stack.
 */
import { S3Client } from '@aws-sdk/client-s3';

/** s3rver's fixed development account (s3rver checks SigV4 signatures against it). */
export const LOCAL_S3_ACCESS_KEY_ID = 'S3RVER';
export const LOCAL_S3_SECRET_ACCESS_KEY = 'S3RVER';

/**
 * An S3 client for a local S3 at `endpoint`: path-style addressing (`/<bucket>/<key>`, no bucket
 * subdomains), region us-east-1, s3rver's dummy credentials.
 *
 * Checksums are computed and validated only when an operation requires them
 * (`requestChecksumCalculation`/`responseChecksumValidation: 'WHEN_REQUIRED'`). Recent SDKs default to
 * `WHEN_SUPPORTED`, which sends a streamed PutObject body with `aws-chunked` content encoding and a
 * trailing CRC32; s3rver does not decode that encoding and stores the chunk framing as the object
 * (`6\r\nhello \r\n...x-amz-checksum-crc32:...`), silently corrupting it. Buffered bodies (including the
 * parts of `@aws-sdk/lib-storage`'s `Upload`) are not affected, but nothing should depend on that. Real
 * S3 handles both settings; the function's own client keeps the SDK defaults.
 */
export function localS3Client(endpoint: string): S3Client {
  return new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: LOCAL_S3_ACCESS_KEY_ID, secretAccessKey: LOCAL_S3_SECRET_ACCESS_KEY },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}
