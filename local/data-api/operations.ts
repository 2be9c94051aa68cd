/**
 * The five Data API operations of the local server, over real PostgreSQL: each takes a validated
 * request (see `requests.ts`) and returns the success body (ExecuteStatement's as its UTF-8 JSON, the
 * others' as members to serialize), or throws (a ServiceError, or the `pg` error that the server turns
 * into a DatabaseErrorException).
 */
import type { DatabasePools, Lease } from './connections';
import { bindParameters, type BoundStatement } from './parameters';
import type {
  BatchExecuteStatementRequest,
  BeginTransactionRequest,
  EndTransactionRequest,
  ExecuteStatementRequest,
} from './requests';
import { checkRowSize, columnMetadata, toField, writeFormattedRecords } from './result-mapping';
import { serviceError } from './service-error';
import { checkStatement } from './statement-rules';
import { runStatement, type StatementResult } from './statement-runner';
import { waitForStatement } from './statement-wait';
import type { OpenTransaction, TransactionRegistry } from './transactions';
import { Utf8Builder } from './utf8-builder';

/** Limits of the service (see `/work/shared/data-api-reference.md`, "Limits"). */
export interface ServiceLimits {
  /** Statement wait per call, in ms. */
  readonly statementWaitMs: number;
  /** Largest ExecuteStatement response body, in bytes (records mode). */
  readonly maxResponseBytes: number;
  /** Largest `formattedRecords` string, in bytes (formatRecordsAs JSON). */
  readonly maxFormattedRecordsBytes: number;
  /** Largest row, in bytes of its values' text. */
  readonly maxRowBytes: number;
}

export interface OperationContext {
  readonly pools: DatabasePools;
  readonly transactions: TransactionRegistry;
  readonly limits: ServiceLimits;
  /** Connections leased to calls in progress (the server cancels their statements on shutdown). */
  readonly active: Set<Lease>;
}

type Body = Record<string, unknown>;

/**
 * Runs `statement` on a transaction's connection (when `transactionId` is given) or on a pooled
 * connection of `database`, within the statement wait. `work` gets the connection and the database's
 * type catalog. An error ends the transaction (rolled back); a pooled connection is reset and
 * released when `work` ends, which with `continueAfterTimeout` may be long after the call returned.
 */
async function onConnection<T>(
  context: OperationContext,
  target: { transactionId?: string; database?: string; continueAfterTimeout?: boolean },
  work: (lease: Lease) => Promise<T>,
): Promise<T> {
  let transaction: OpenTransaction | undefined;
  let lease: Lease;
  if (target.transactionId !== undefined) {
    transaction = context.transactions.claim(target.transactionId);
    lease = transaction.lease;
  } else {
    lease = await context.pools.acquire(target.database);
  }
  context.active.add(lease);
  const running = (async () => {
    try {
      const value = await work(lease);
      if (transaction) context.transactions.settle(transaction);
      return value;
    } catch (error) {
      if (transaction) await context.transactions.end(transaction, 'aborted');
      throw error;
    } finally {
      context.active.delete(lease);
      if (!transaction) await lease.release();
    }
  })();
  return waitForStatement(running, {
    waitMs: context.limits.statementWaitMs,
    continueAfterTimeout: target.continueAfterTimeout ?? false,
    pid: lease.pid,
    cancel: () => context.pools.cancel(lease.database, lease.pid),
  });
}

/**
 * The ExecuteStatement success body, serialized (UTF-8 JSON). Size limits: a row over `maxRowBytes`, or a
 * body over `maxResponseBytes` (records mode) / a formattedRecords string over `maxFormattedRecordsBytes`
 * (JSON mode) fails with UnsupportedResultException, the exception the Data API model documents for "The
 * size was too large", with the message clients match on ("Database returned more than the allowed
 * response size limit", "Packet for query is too large").
 */
function executeResponse(request: ExecuteStatementRequest, result: StatementResult, limits: ServiceLimits): Buffer {
  const options = request.resultSetOptions;
  result.rows.forEach((row, index) => checkRowSize(row, index, limits.maxRowBytes));
  const hasResultSet = result.columns.length > 0;
  if (request.formatRecordsAs !== 'JSON') {
    const body: Body = {};
    if (request.includeResultMetadata) body.columnMetadata = columnMetadata(result.columns, result.types);
    if (hasResultSet) body.records = result.rows.map((row) => row.map((value, i) => toField(result.types[i]!, value, options)));
    body.numberOfRecordsUpdated = result.rowsUpdated;
    body.generatedFields = [];
    const bytes = Buffer.from(JSON.stringify(body), 'utf8');
    if (bytes.length > limits.maxResponseBytes) {
      throw serviceError(
        'UnsupportedResultException',
        `Database returned more than the allowed response size limit: the response has ${bytes.length} bytes, over the limit of ${limits.maxResponseBytes} bytes.`,
      );
    }
    return bytes;
  }
  // The same members in the same order, written around formattedRecords (several MB in a snapshot's pages),
  // which is escaped for the body as it is written rather than serialized into its JSON and then again into the body's.
  const body = new Utf8Builder();
  body.add('{');
  if (request.includeResultMetadata) body.add(`"columnMetadata":${JSON.stringify(columnMetadata(result.columns, result.types))},`);
  if (hasResultSet) {
    body.add('"formattedRecords":"');
    const bytes = writeFormattedRecords(body, result.columns, result.types, result.rows, options);
    if (bytes > limits.maxFormattedRecordsBytes) {
      throw serviceError(
        'UnsupportedResultException',
        `Database returned more than the allowed response size limit: formattedRecords exceeds ${limits.maxFormattedRecordsBytes} bytes.`,
      );
    }
    body.add('",');
  }
  body.add(`"numberOfRecordsUpdated":${JSON.stringify(result.rowsUpdated)},"generatedFields":[]}`);
  return body.toBuffer();
}

/** ExecuteStatement: one statement, with the Field mapping of its result; the body comes serialized. */
export async function executeStatement(context: OperationContext, request: ExecuteStatementRequest): Promise<Buffer> {
  checkStatement(request.sql);
  const bound = bindParameters(request.sql, request.parameters);
  return onConnection(context, request, async (lease) => {
    const result = await runStatement(lease.client, bound, context.pools.catalog(lease.database));
    return executeResponse(request, result, context.limits);
  });
}

/**
 * BatchExecuteStatement: the statement once per parameter set (once without parameters when there are
 * no sets). Outside a transaction the whole batch is atomic (one implicit transaction, as a JDBC batch
 * sent with autocommit is): a failing set leaves no rows from the others.
 */
export async function batchExecuteStatement(context: OperationContext, request: BatchExecuteStatementRequest): Promise<Body> {
  checkStatement(request.sql);
  const sets = request.parameterSets.length > 0 ? request.parameterSets : [[]];
  const bound: BoundStatement[] = sets.map((set, index) => bindParameters(request.sql, set, `parameterSets.${index + 1}`));
  const ownTransaction = request.transactionId === undefined;
  await onConnection(context, request, async (lease) => {
    const catalog = context.pools.catalog(lease.database);
    if (ownTransaction) await lease.client.query('BEGIN');
    try {
      for (const statement of bound) await runStatement(lease.client, statement, catalog);
      if (ownTransaction) await lease.client.query('COMMIT');
    } catch (error) {
      if (ownTransaction) await lease.client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  });
  return { updateResults: request.parameterSets.map(() => ({ generatedFields: [] })) };
}

/** BeginTransaction: a connection of its own with BEGIN run on it. */
export async function beginTransaction(context: OperationContext, request: BeginTransactionRequest): Promise<Body> {
  const lease = await context.pools.acquire(request.database);
  return { transactionId: await context.transactions.begin(lease) };
}

/** CommitTransaction. */
export async function commitTransaction(context: OperationContext, request: EndTransactionRequest): Promise<Body> {
  await context.transactions.finish(request.transactionId, 'COMMIT');
  return { transactionStatus: 'Transaction Committed' };
}

/** RollbackTransaction. */
export async function rollbackTransaction(context: OperationContext, request: EndTransactionRequest): Promise<Body> {
  await context.transactions.finish(request.transactionId, 'ROLLBACK');
  return { transactionStatus: 'Rollback Complete' };
}
