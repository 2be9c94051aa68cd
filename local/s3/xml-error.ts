import type { S3rverContext } from 's3rver';

/**
 * Answers with an S3 error document (S3 API reference, "Error responses"): `<Error><Code>...`,
 * which the SDK maps to the exception named by `code` (e.g. NoSuchUpload).
 */
export function sendXmlError(ctx: S3rverContext, status: number, code: string, message: string): void {
  const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  ctx.status = status;
  ctx.type = 'application/xml';
  ctx.body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${escape(code)}</Code><Message>${escape(message)}</Message></Error>`;
}
