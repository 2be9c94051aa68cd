import type { S3rverContext } from 's3rver';
import { sendXmlError } from './xml-error';
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';

/**
 * The two multipart operations s3rver 3.7 lacks, so the local S3 behaves like S3 when an upload fails:
 *
 * - AbortMultipartUpload (`DELETE /<bucket>/<key>?uploadId=<id>`): removes the upload's parts; 204,
 *   or 404 NoSuchUpload for an unknown id (s3rver itself answers 405 MethodNotAllowed);
 * - ListMultipartUploads (`GET /<bucket>?uploads`): the uploads in progress, so a test can check that
 *   none was left behind.
 *
 * s3rver keeps an upload in progress in `<directory>/<bucket>/._S3rver_uploads/<uploadId>/` (a `key`
 * file, a `metadata` file and one file per part) until CompleteMultipartUpload. These handlers read that
 * layout. They run before s3rver's router, hence without its signature check.
 */
export function multipartExtensions(directory: string) {
  const uploadsDir = (bucket: string) => path.join(directory, bucket, '._S3rver_uploads');

  return async function multipartExtension(ctx: S3rverContext, next: () => Promise<void>): Promise<void> {
    const segments = ctx.path.split('/').filter((s) => s !== '');
    const bucket = segments[0] ? decodeURIComponent(segments[0]) : undefined;
    const uploadId = typeof ctx.query.uploadId === 'string' ? ctx.query.uploadId : undefined;

    if (ctx.method === 'DELETE' && bucket && segments.length >= 2 && uploadId !== undefined) {
      const dir = path.join(uploadsDir(bucket), path.basename(uploadId));
      if (!/^[0-9a-f]+$/.test(uploadId) || !(await exists(dir))) {
        sendXmlError(ctx, 404, 'NoSuchUpload', 'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.');
        return;
      }
      await rm(dir, { recursive: true, force: true });
      ctx.status = 204;
      ctx.body = '';
      return;
    }

    if (ctx.method === 'GET' && bucket && segments.length === 1 && 'uploads' in ctx.query) {
      if (!(await exists(path.join(directory, bucket)))) {
        sendXmlError(ctx, 404, 'NoSuchBucket', 'The specified bucket does not exist');
        return;
      }
      const ids = await readdir(uploadsDir(bucket)).catch(() => [] as string[]);
      const uploads = [];
      for (const id of ids.sort()) {
        const dir = path.join(uploadsDir(bucket), id);
        const key = await readFile(path.join(dir, 'key'), 'utf8').catch(() => undefined);
        if (key === undefined) continue;
        const initiated = (await stat(dir)).birthtime.toISOString();
        uploads.push({ Key: key, UploadId: id, Initiated: initiated, StorageClass: 'STANDARD' });
      }
      ctx.status = 200;
      ctx.body = {
        ListMultipartUploadsResult: {
          '@': { xmlns: 'http://s3.amazonaws.com/doc/2006-03-01/' },
          Bucket: bucket,
          KeyMarker: '',
          UploadIdMarker: '',
          MaxUploads: 1000,
          IsTruncated: false,
          ...(uploads.length > 0 ? { Upload: uploads } : {}),
        },
      };
      return;
    }

    await next();
  };
}

async function exists(p: string): Promise<boolean> {
  return stat(p).then(
    () => true,
    () => false,
  );
}
