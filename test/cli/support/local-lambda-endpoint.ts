import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Handler } from '../../../lambda/function/create-handler';

/** One function served by {@link startLocalLambdaEndpoint}. */
export interface LocalLambdaEndpoint {
  /** `http://127.0.0.1:<port>`: pass as `--lambda-endpoint`. */
  readonly endpoint: string;
  /** The events the function received, in order. */
  readonly events: unknown[];
  close(): Promise<void>;
}

/**
 * A stand-in for the Lambda Invoke API (`POST /2015-03-31/functions/<name>/invocations`, REST-JSON)
 * serving one function by running `handler` in this process, as the Lambda runtime would:
 * - 200 with the result as the body;
 * - a thrown error: 200 with `X-Amz-Function-Error: Unhandled` and `{errorType, errorMessage, trace}`;
 * - `X-Amz-Log-Type: Tail`: `X-Amz-Log-Result` with the base64 of `logTail` (the real one: the last 4 KB);
 * - another function name: 404 `ResourceNotFoundException`, as Lambda answers.
 */
export async function startLocalLambdaEndpoint(functionName: string, handler: Handler, logTail = 'START RequestId: local\nEND RequestId: local\n'): Promise<LocalLambdaEndpoint> {
  const events: unknown[] = [];
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      void (async () => {
        const match = /^\/2015-03-31\/functions\/([^/]+)\/invocations/.exec(request.url ?? '');
        const name = match ? decodeURIComponent(match[1]!) : undefined;
        if (request.method !== 'POST' || name !== functionName) {
          const body = JSON.stringify({ Type: 'User', message: `Function not found: arn:aws:lambda:us-east-1:123456789012:function:${name}` });
          response.writeHead(404, { 'content-type': 'application/json', 'x-amzn-errortype': 'ResourceNotFoundException' });
          response.end(body);
          return;
        }
        const event = JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null') as unknown;
        events.push(event);
        const headers: http.OutgoingHttpHeaders = { 'content-type': 'application/json', 'x-amz-executed-version': '$LATEST' };
        if (request.headers['x-amz-log-type'] === 'Tail') headers['x-amz-log-result'] = Buffer.from(logTail).toString('base64');
        let body: string;
        try {
          body = JSON.stringify((await handler(event)) ?? null);
        } catch (error) {
          const e = error as Error;
          headers['x-amz-function-error'] = 'Unhandled';
          body = JSON.stringify({ errorType: e.name, errorMessage: e.message, trace: (e.stack ?? '').split('\n') });
        }
        response.writeHead(200, headers);
        response.end(body);
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    events,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * The environment the construct gives the function, for a handler served by {@link startLocalLambdaEndpoint}:
 * a cluster and secret ARN of the test account, the database, the compiled bundle, the function's name and,
 * with `bucket`, the snapshot bucket on a local S3 (path-style addressing).
 */
export function functionEnv(options: { readonly functionName: string; readonly database: string; readonly bundlePath: string; readonly bucket?: string }): NodeJS.ProcessEnv {
  return {
    RDS_MIGRATE_CLUSTER_ARN: 'arn:aws:rds:us-east-1:123456789012:cluster:app',
    RDS_MIGRATE_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:app-AbCdEf',
    RDS_MIGRATE_DATABASE: options.database,
    RDS_MIGRATE_BUNDLE_PATH: options.bundlePath,
    ...(options.bucket !== undefined ? { RDS_MIGRATE_SNAPSHOT_BUCKET: options.bucket, RDS_MIGRATE_S3_FORCE_PATH_STYLE: 'true' } : {}),
    AWS_LAMBDA_FUNCTION_NAME: options.functionName,
  };
}
