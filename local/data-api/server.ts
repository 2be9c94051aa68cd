/**
 * A local RDS Data API: an HTTP server speaking the Data API wire protocol (REST-JSON, as
 * `@aws-sdk/client-rds-data` sends it) over a real PostgreSQL server, so that the real SDK client,
 * and `DataApiDriver` on top of it, run end to end without AWS. It follows
 * `/work/shared/data-api-reference.md`: operations, Field mapping, errors, limits, statement wait,
 * transactions, and no session state between calls.
 *
 * ```ts
 * const api = await startLocalDataApi({ postgresUrl: 'postgres://postgres:pw@127.0.0.1:5432/app' });
 * const client = new RDSDataClient(api.clientConfig());
 * await client.send(new ExecuteStatementCommand({ resourceArn: api.resourceArn, secretArn: api.secretArn, database: api.database, sql: 'SELECT 1' }));
 * console.log(api.counters.byOperation.ExecuteStatement.calls); // 1
 * await api.close();
 * ```
 *
 * Choices where AWS documents less than it does: a result over the response or row limit fails with
 * UnsupportedResultException (the SDK model: "The size was too large"); with formatRecordsAs JSON only
 * the 10 MB formattedRecords limit applies; an error in a transaction call ends the transaction
 * (later calls: TransactionNotFoundException, per the Aurora troubleshooting guide); a batch outside a
 * transaction is atomic; parameters are bound with declared types as JDBC does (strings as varchar).
 *
 * Differences from AWS worth knowing: requests are not authenticated (any SigV4 signature, any ARN is
 * accepted; the user of `postgresUrl` stands in for the secret: a request without `database` uses the
 * database named like that user, as AWS uses the secret's user name); the 24-hour transaction lifetime
 * is not enforced.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { silentLog, type Log } from '../../lambda/observability/log';
import { DatabasePools, type Lease } from './connections';
import { CallCounters, type DataApiCounters, type DataApiOperation } from './counters';
import type { FaultHook, InjectedError } from './faults';
import {
  batchExecuteStatement,
  beginTransaction,
  commitTransaction,
  executeStatement,
  rollbackTransaction,
  type OperationContext,
} from './operations';
import {
  parseBatchExecuteStatement,
  parseBeginTransaction,
  parseEndTransaction,
  parseExecuteStatement,
} from './requests';
import { databaseError, isPostgresError, SERVICE_ERROR_STATUS, ServiceError, serviceError } from './service-error';
import { loadSqlParser } from './statement-rules';
import { TransactionRegistry } from './transactions';

export interface LocalDataApiOptions {
  /**
   * The PostgreSQL server, `postgres://user:password@host:port/database`. Requests reach a database
   * through their `database` member; one without it uses the database named like `user` (as AWS uses
   * the secret's user name). `database` is the one printed for clients to name.
   */
  readonly postgresUrl: string;
  /** TCP port to listen on. @default 0 (a free port, see `LocalDataApi.port`) */
  readonly port?: number;
  /** Interface to listen on. @default '127.0.0.1' */
  readonly host?: string;
  /** How long a call waits for its statement, in ms (Data API: 45 s). @default 45_000 */
  readonly statementWaitMs?: number;
  /** Time without a call after which a transaction is rolled back, in ms (Data API: 3 min). @default 180_000 */
  readonly transactionIdleTimeoutMs?: number;
  /** Largest ExecuteStatement response body, in bytes (Data API: 1 MiB). @default 1_048_576 */
  readonly maxResponseBytes?: number;
  /** Largest formattedRecords string with formatRecordsAs JSON, in bytes (Data API: 10 MB). @default 10_485_760 */
  readonly maxFormattedRecordsBytes?: number;
  /** Largest result row, in bytes of its values' text (Data API: 64 KB). @default 65_536 */
  readonly maxRowBytes?: number;
  /** Largest request body, in bytes (Data API: 4 MiB). @default 4_194_304 */
  readonly maxRequestBytes?: number;
  /** Connections per database pool. @default 10 */
  readonly maxConnectionsPerDatabase?: number;
  /** Fault injection for reliability tests (see `faults.ts`); can also be set later on the server. */
  readonly faults?: FaultHook;
  /** Where to log one debug line per call (operation, status, ms; never SQL or values). @default silentLog */
  readonly log?: Log;
}

export interface LocalDataApi {
  /** Base URL for the SDK's `endpoint`, e.g. `http://127.0.0.1:43117`. */
  readonly endpoint: string;
  readonly port: number;
  /** A cluster ARN to send as `resourceArn` (any ARN is accepted). */
  readonly resourceArn: string;
  /** A secret ARN to send as `secretArn` (any ARN is accepted). */
  readonly secretArn: string;
  /** The database of `postgresUrl`: the one to name in requests' `database` member (`--database`). */
  readonly database: string;
  /**
   * The database used when a request has no `database` member: the user name of `postgresUrl`, as
   * AWS uses the secret's user name (`/work/shared/data-api-reference.md`, "database").
   */
  readonly defaultDatabase: string;
  /** Call counts and body bytes so far, per operation and in total (a snapshot). */
  readonly counters: DataApiCounters;
  /** Sets the counters back to zero. */
  resetCounters(): void;
  /** The fault hook consulted before each call; assign to change it, `undefined` to stop faults. */
  faults: FaultHook | undefined;
  /**
   * Configuration for `new RDSDataClient(...)`: this endpoint, region us-east-1, dummy credentials.
   * Spread it to add options: `new RDSDataClient({ ...api.clientConfig(), maxAttempts: 1 })`.
   */
  clientConfig(): {
    endpoint: string;
    region: string;
    credentials: { accessKeyId: string; secretAccessKey: string };
  };
  /** Stops listening, cancels running statements, rolls back open transactions, closes the pools. */
  close(): Promise<void>;
}

const RESOURCE_ARN = 'arn:aws:rds:us-east-1:123456789012:cluster:local-data-api';
const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:local-data-api-AbCdEf';

const OPERATION_PATHS: Readonly<Record<string, DataApiOperation>> = {
  '/Execute': 'ExecuteStatement',
  '/BatchExecute': 'BatchExecuteStatement',
  '/BeginTransaction': 'BeginTransaction',
  '/CommitTransaction': 'CommitTransaction',
  '/RollbackTransaction': 'RollbackTransaction',
};

/** A success body: members to serialize, or ExecuteStatement's serialized already (UTF-8 JSON). */
type ResponseBody = Record<string, unknown> | Buffer;

const HANDLERS: Readonly<Record<DataApiOperation, (context: OperationContext, body: unknown) => Promise<ResponseBody>>> = {
  ExecuteStatement: (c, b) => executeStatement(c, parseExecuteStatement(b)),
  BatchExecuteStatement: (c, b) => batchExecuteStatement(c, parseBatchExecuteStatement(b)),
  BeginTransaction: (c, b) => beginTransaction(c, parseBeginTransaction(b)),
  CommitTransaction: (c, b) => commitTransaction(c, parseEndTransaction(b)),
  RollbackTransaction: (c, b) => rollbackTransaction(c, parseEndTransaction(b)),
};

const CONNECTION_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH']);

/** The error response for anything a call throws. */
function toServiceError(error: unknown): ServiceError {
  if (error instanceof ServiceError) return error;
  if (isPostgresError(error)) return databaseError(error);
  const e = error as { code?: unknown; message?: unknown } | null;
  if ((typeof e?.code === 'string' && CONNECTION_ERRORS.has(e.code)) || /Connection terminated/i.test(String(e?.message))) {
    return serviceError('DatabaseUnavailableException', `The database is unavailable: ${String(e?.message)}`);
  }
  return serviceError('InternalServerErrorException', `Internal error of the local Data API: ${String(e?.message ?? error)}`);
}

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The error response a fault hook asked for, with the status AWS uses for its name (500 when unlisted). */
function injectedError(error: InjectedError): ServiceError {
  const status = error.status ?? (SERVICE_ERROR_STATUS as Record<string, number>)[error.name] ?? 500;
  return new ServiceError(error.name, status, error.message ?? `Injected ${error.name}`);
}

/** The request's `transactionId` member, when it has a string one. */
function transactionIdOf(json: unknown): string | undefined {
  const id = (json as { transactionId?: unknown } | null | undefined)?.transactionId;
  return typeof id === 'string' ? id : undefined;
}

/** Reads a request body, keeping at most `limit` bytes; `size` is the full length. */
function readBody(request: http.IncomingMessage, limit: number): Promise<{ body: Buffer; size: number }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
    });
    request.on('end', () => resolve({ body: Buffer.concat(chunks), size }));
    request.on('error', reject);
  });
}

/**
 * Writes `body` as the JSON response and returns its size in bytes. A body serialized already (ExecuteStatement's,
 * several MB with formattedRecords) is written as it is; other bodies are encoded to UTF-8 once, and that buffer
 * both sized and sent.
 */
function send(response: http.ServerResponse, status: number, body: ResponseBody, errorType?: string): number {
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body), 'utf8');
  const headers: http.OutgoingHttpHeaders = {
    'content-type': 'application/json',
    'content-length': bytes.length,
    'x-amzn-requestid': randomUUID(),
  };
  if (errorType) headers['x-amzn-errortype'] = errorType;
  response.writeHead(status, headers);
  response.end(bytes);
  return bytes.length;
}

/**
 * Starts the local Data API. Resolves once it listens.
 * @throws {Error} when `postgresUrl` is not a URL, or the port cannot be bound
 */
export async function startLocalDataApi(options: LocalDataApiOptions): Promise<LocalDataApi> {
  try {
    new URL(options.postgresUrl);
  } catch {
    throw new Error(`startLocalDataApi: postgresUrl is not a URL: ${JSON.stringify(options.postgresUrl)}`);
  }
  await loadSqlParser();
  const log = options.log ?? silentLog;
  const pools = new DatabasePools(options.postgresUrl, options.maxConnectionsPerDatabase ?? 10);
  const transactions = new TransactionRegistry(options.transactionIdleTimeoutMs ?? 180_000);
  const active = new Set<Lease>();
  const context: OperationContext = {
    pools,
    transactions,
    active,
    limits: {
      statementWaitMs: options.statementWaitMs ?? 45_000,
      maxResponseBytes: options.maxResponseBytes ?? 1_048_576,
      maxFormattedRecordsBytes: options.maxFormattedRecordsBytes ?? 10_485_760,
      maxRowBytes: options.maxRowBytes ?? 65_536,
    },
  };
  const maxRequestBytes = options.maxRequestBytes ?? 4_194_304;
  const counters = new CallCounters();
  const inFlight = new Set<Promise<void>>();
  let calls = 0;

  const handle = async (request: http.IncomingMessage, response: http.ServerResponse): Promise<void> => {
    const started = Date.now();
    const operation = OPERATION_PATHS[(request.url ?? '').split('?')[0]!];
    const { body, size } = await readBody(request, maxRequestBytes);
    if (!operation || request.method !== 'POST') {
      const error = serviceError('UnknownOperationException', `No Data API operation at ${request.method} ${request.url}.`);
      send(response, error.status, error.body(), error.errorType);
      return;
    }
    calls += 1;
    let json: unknown;
    let failed = true;
    let responseBytes = 0;
    let status = 200;
    let errorType: string | undefined;
    try {
      try {
        json = size > 0 ? JSON.parse(body.toString('utf8')) : {};
      } catch {
        json = undefined;
      }
      const fault = await api.faults?.({ operation, request: json, call: calls });
      if (fault?.delayMs) await delay(fault.delayMs);
      if (fault?.expireTransaction) await transactions.expire(transactionIdOf(json));
      if (fault?.dropConnection) {
        errorType = 'DroppedConnection';
        request.socket.destroy();
        return;
      }
      if (fault?.error) throw injectedError(fault.error);
      if (size > maxRequestBytes) {
        throw serviceError('ValidationException', `Request body of ${size} bytes exceeds the Data API request limit of ${maxRequestBytes} bytes.`);
      }
      if (json === undefined) throw serviceError('ValidationException', 'The request body is not valid JSON.');
      const after = fault?.afterRun;
      let result: ResponseBody;
      if (!after) {
        result = await HANDLERS[operation](context, json);
      } else {
        // The call runs on the database whatever happens to its answer.
        const outcome = await HANDLERS[operation](context, json).then(
          (value) => ({ value }),
          (error: unknown) => ({ error }),
        );
        if (after.delayMs) await delay(after.delayMs);
        if (after.dropConnection) {
          errorType = 'DroppedConnection';
          request.socket.destroy();
          return;
        }
        if (after.error) throw injectedError(after.error);
        if ('error' in outcome) throw outcome.error;
        result = outcome.value;
      }
      responseBytes = send(response, 200, result);
      failed = false;
    } catch (thrown) {
      const error = toServiceError(thrown);
      status = error.status;
      errorType = error.errorType;
      responseBytes = send(response, error.status, error.body(), error.errorType);
    } finally {
      counters.record(operation, { failed, requestBytes: size, responseBytes });
      log.debug('data-api call', { operation, status, errorType, ms: Date.now() - started });
    }
  };

  const server = http.createServer((request, response) => {
    const call = handle(request, response).catch((error: unknown) => {
      log.error('data-api call failed outside the protocol', { error: String(error) });
      if (!response.headersSent) response.destroy();
    });
    inFlight.add(call);
    void call.finally(() => inFlight.delete(call));
  });
  // Idle keep-alive connections stay open for a minute, as AWS's endpoints keep them for far longer than
  // Node's 5 s default: with 5 s, a client reusing a connection the moment the server closes it got
  // ECONNRESET ("socket hang up") under load, a failure the real service does not produce.
  // headersTimeout must exceed keepAliveTimeout (Node's http docs, server.headersTimeout).
  server.keepAliveTimeout = 60_000;
  server.headersTimeout = 61_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const host = options.host ?? '127.0.0.1';
  const endpoint = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  let closing: Promise<void> | undefined;
  const api: LocalDataApi = {
    endpoint,
    port,
    resourceArn: RESOURCE_ARN,
    secretArn: SECRET_ARN,
    database: pools.database,
    defaultDatabase: pools.defaultDatabase,
    get counters() {
      return counters.snapshot();
    },
    resetCounters: () => counters.reset(),
    faults: options.faults,
    clientConfig: () => ({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }),
    close() {
      closing ??= (async () => {
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections();
        const running = [...active, ...transactions.busyConnections()];
        await Promise.all(running.map((lease) => pools.cancel(lease.database, lease.pid)));
        await Promise.all([...inFlight]);
        await transactions.close();
        await stopped;
        await pools.close();
      })();
      return closing;
    },
  };
  return api;
}
