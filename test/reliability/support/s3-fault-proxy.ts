/**
 * A fault-injecting HTTP proxy in front of a local S3 (s3rver): the function's S3 client talks to the
 * proxy, which forwards each request unchanged (headers included, so SigV4 signatures still verify)
 * unless its hook answers instead: an S3 error response (`<Error><Code>...`), a 200 response carrying
 * an error (which S3 documents for CompleteMultipartUpload), or a dropped connection. When the S3
 * behind it is down, the proxy drops the connection, as a stopped server would.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** The S3 operations the proxy tells apart (from the method and query, path-style addressing). */
export type S3Operation =
  | 'PutObject'
  | 'CreateMultipartUpload'
  | 'UploadPart'
  | 'CompleteMultipartUpload'
  | 'AbortMultipartUpload'
  | 'GetObject'
  | 'HeadObject'
  | 'DeleteObject'
  | 'DeleteObjects'
  | 'ListObjectsV2'
  | 'ListMultipartUploads'
  | 'Other';

export interface S3FaultContext {
  readonly operation: S3Operation;
  /** The object key (decoded), '' for bucket-level requests. */
  readonly key: string;
}

export interface S3FaultAction {
  /** Answer with this S3 error: HTTP status and `<Code>` (e.g. 500 InternalError, 503 SlowDown). */
  readonly error?: { readonly status: number; readonly code: string; readonly message?: string };
  /** Answer 200 with an `<Error>` document as the body (S3's CompleteMultipartUpload failure mode). */
  readonly errorIn200?: { readonly code: string; readonly message?: string };
  /** Close the connection without answering. */
  readonly dropConnection?: boolean;
}

export type S3FaultHook = (context: S3FaultContext) => S3FaultAction | undefined;

export interface S3FaultProxy {
  /** `http://127.0.0.1:<port>`: give this to the S3 client. */
  readonly endpoint: string;
  /** Assign to inject faults; undefined forwards everything. */
  faults: S3FaultHook | undefined;
  /** Where requests go (change it after restarting the S3 behind). */
  target: string;
  /** Requests seen, per operation. */
  readonly seen: Readonly<Record<string, number>>;
  close(): Promise<void>;
}

/** Which S3 operation a path-style request is. */
export function s3Operation(method: string, url: URL): S3FaultContext {
  const segments = url.pathname.split('/').filter((s) => s !== '');
  const key = decodeURIComponent(segments.slice(1).join('/'));
  const q = url.searchParams;
  const object = key !== '';
  let operation: S3Operation = 'Other';
  if (method === 'PUT' && object) operation = q.has('partNumber') && q.has('uploadId') ? 'UploadPart' : 'PutObject';
  else if (method === 'POST' && object && q.has('uploads')) operation = 'CreateMultipartUpload';
  else if (method === 'POST' && object && q.has('uploadId')) operation = 'CompleteMultipartUpload';
  else if (method === 'POST' && !object && q.has('delete')) operation = 'DeleteObjects';
  else if (method === 'DELETE' && object) operation = q.has('uploadId') ? 'AbortMultipartUpload' : 'DeleteObject';
  else if (method === 'GET' && !object) operation = q.has('uploads') ? 'ListMultipartUploads' : q.get('list-type') === '2' ? 'ListObjectsV2' : 'Other';
  else if (method === 'GET' && object) operation = 'GetObject';
  else if (method === 'HEAD' && object) operation = 'HeadObject';
  return { operation, key };
}

function errorXml(code: string, message: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>fault-proxy</RequestId><HostId>fault-proxy</HostId></Error>`;
}

/** Starts the proxy on a free port of 127.0.0.1, forwarding to `target` (e.g. the s3rver endpoint). */
export async function startS3FaultProxy(target: string): Promise<S3FaultProxy> {
  const seen: Record<string, number> = {};
  const server = http.createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://proxy');
    const context = s3Operation(request.method ?? 'GET', url);
    seen[context.operation] = (seen[context.operation] ?? 0) + 1;
    const fault = proxy.faults?.(context);
    if (fault?.dropConnection) {
      request.socket.destroy();
      return;
    }
    if (fault?.error || fault?.errorIn200) {
      // Read the body first, as S3 does, so the client is not cut off mid-upload.
      request.resume();
      request.on('end', () => {
        const status = fault.error?.status ?? 200;
        const code = fault.error?.code ?? fault.errorIn200!.code;
        const body = errorXml(code, fault.error?.message ?? fault.errorIn200?.message ?? `Injected ${code}`);
        response.writeHead(status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) });
        response.end(body);
      });
      return;
    }
    const to = new URL(proxy.target);
    const forward = http.request(
      { host: to.hostname, port: to.port, method: request.method, path: request.url, headers: request.headers },
      (upstream) => {
        response.writeHead(upstream.statusCode ?? 502, upstream.headers);
        upstream.pipe(response);
      },
    );
    // The S3 behind is down (or went away mid-request): the client sees its connection dropped.
    forward.on('error', () => request.socket.destroy());
    request.pipe(forward);
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const proxy: S3FaultProxy = {
    endpoint: `http://127.0.0.1:${port}`,
    faults: undefined,
    target,
    seen,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
  return proxy;
}
