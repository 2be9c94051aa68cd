/**
 * The RDS Data API backend of the driver contract, used by the Lambda function: every statement is an
 * ExecuteStatement call of `@aws-sdk/client-rds-data`, transactions are Begin/Commit/RollbackTransaction.
 *
 * ```ts
 * const driver = new DataApiDriver({ resourceArn, secretArn, database: 'app' });
 * const { rows } = await driver.execute('SELECT version FROM schema_history WHERE version = :v', { v: '0022' });
 * await withTransaction(driver, (tx) => tx.execute('INSERT INTO t VALUES (:id)', { id: 1 }));
 * await driver.close();
 * ```
 *
 * Where the endpoint comes from: the SDK's default configuration, so `AWS_ENDPOINT_URL_RDS_DATA`
 * (the SDK's service-specific endpoint variable) points it at the local Data API
 * (`local/data-api/`) without code changes; region and credentials come from the usual chain.
 *
 * Behaviour the `pg` driver does not share (it follows the Data API, see `../driver.ts`):
 * - string parameters are bound as `varchar`, so comparing or assigning them to uuid, json(b), date,
 *   timestamp or numeric columns needs a cast in the SQL (`:id::uuid`) or a {@link TypedParam};
 * - timestamptz comes back in UTC as `YYYY-MM-DD HH:MM:SS[.ffffff]` (no offset);
 * - a failed statement ends its transaction on the service: `rollback()` afterwards succeeds quietly,
 *   any other call on it fails with DriverError `transaction-not-found`;
 * - a call waits at most 45 s (`continueAfterTimeout` lets DDL go on), a response is at most 1 MiB,
 *   a row at most 64 KB.
 */
import {
  BeginTransactionCommand,
  CommitTransactionCommand,
  ExecuteStatementCommand,
  RDSDataClient,
  RollbackTransactionCommand,
} from '@aws-sdk/client-rds-data';
import type { Driver, ExecuteOptions, QueryResult, Row, SqlParams, Transaction } from '../driver';
import { DriverError } from '../errors';
import { RunningCalls } from '../running-calls';
import { fromDataApiError } from './data-api-errors';
import { fromFormattedRecords, toRows, toSqlParameters } from './data-api-fields';

export interface DataApiDriverOptions {
  /** ARN of the Aurora cluster, e.g. `arn:aws:rds:eu-west-1:123456789012:cluster:app`. */
  readonly resourceArn: string;
  /** ARN of the Secrets Manager secret holding the database credentials. */
  readonly secretArn: string;
  /** Database name sent with every call. */
  readonly database: string;
  /**
   * The client to use; the driver then leaves it open on `close()`. By default one is built from the
   * SDK's default configuration with `maxAttempts: 1`: the SDK re-sends nothing on its own (a re-sent
   * statement might run twice); callers retry what `isTransient` marks as worth retrying.
   */
  readonly client?: RDSDataClient;
}

type Target = { resourceArn: string; secretArn: string };

async function send<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw fromDataApiError(error);
  }
}

async function executeStatement<R extends Row>(
  client: RDSDataClient,
  target: Target & { database: string; transactionId?: string },
  sql: string,
  params: SqlParams | undefined,
  options: ExecuteOptions | undefined,
): Promise<QueryResult<R>> {
  const parameters = toSqlParameters(sql, params);
  const json = options?.formatRecordsAs === 'JSON';
  const command = new ExecuteStatementCommand({
    ...target,
    sql,
    parameters,
    // The JSON format carries no column metadata (the service leaves columnMetadata blank).
    ...(json ? { formatRecordsAs: 'JSON' as const } : { includeResultMetadata: true }),
    ...(options?.continueAfterTimeout ? { continueAfterTimeout: true } : {}),
  });
  const after = options?.after;
  if (after) {
    // Innermost middleware, just before the HTTP request leaves: serialization and signing are done by then.
    command.middlewareStack.add((next) => async (args) => {
      await after;
      return next(args);
    }, { step: 'deserialize', priority: 'low', name: 'rdsMigrateSendAfter' });
  }
  const output = await send(() => client.send(command));
  const rows = json ? fromFormattedRecords<R>(output.formattedRecords) : toRows<R>(output.records, output.columnMetadata);
  return { rows, rowsAffected: output.numberOfRecordsUpdated ?? 0 };
}

class DataApiTransaction implements Transaction {
  private done = false;
  private readonly running = new RunningCalls();

  constructor(
    private readonly client: RDSDataClient,
    private readonly target: Target & { database: string },
    readonly id: string,
  ) {}

  async execute<R extends Row = Row>(sql: string, params?: SqlParams, options?: ExecuteOptions): Promise<QueryResult<R>> {
    this.assertOpen();
    return this.running.track(executeStatement<R>(this.client, { ...this.target, transactionId: this.id }, sql, params, options));
  }

  /**
   * CommitTransaction, once the transaction's running calls have answered.
   * @throws {DatabaseError} when PostgreSQL refuses the commit (deferred constraint)
   */
  async commit(): Promise<void> {
    this.assertOpen();
    this.done = true;
    await this.running.settled();
    const { resourceArn, secretArn } = this.target;
    await send(() => this.client.send(new CommitTransactionCommand({ resourceArn, secretArn, transactionId: this.id })));
  }

  /**
   * RollbackTransaction, once the transaction's running calls have answered (a caller that gave up on a
   * statement sent with `after` may roll back while it still runs). A transaction the service already ended
   * (a failed call aborted it, or it expired) counts as rolled back: that TransactionNotFoundException is
   * not thrown.
   */
  async rollback(): Promise<void> {
    this.assertOpen();
    this.done = true;
    await this.running.settled();
    const { resourceArn, secretArn } = this.target;
    try {
      await send(() => this.client.send(new RollbackTransactionCommand({ resourceArn, secretArn, transactionId: this.id })));
    } catch (error) {
      if (error instanceof DriverError && error.kind === 'transaction-not-found') return;
      throw error;
    }
  }

  private assertOpen(): void {
    if (this.done) throw new Error(`Transaction ${this.id} is already finished`);
  }
}

/** The Data API driver. See the module comment for configuration and behaviour. */
export class DataApiDriver implements Driver {
  readonly kind = 'data-api' as const;
  readonly database: string;
  private readonly client: RDSDataClient;
  private readonly ownsClient: boolean;
  private readonly target: Target & { database: string };

  /** @throws {Error} naming the option that is missing or empty */
  constructor(options: DataApiDriverOptions) {
    for (const field of ['resourceArn', 'secretArn', 'database'] as const) {
      if (typeof options[field] !== 'string' || options[field].trim() === '') {
        throw new Error(`DataApiDriver: option '${field}' must be a non-empty string`);
      }
    }
    this.database = options.database;
    this.target = { resourceArn: options.resourceArn, secretArn: options.secretArn, database: options.database };
    this.ownsClient = options.client === undefined;
    this.client = options.client ?? new RDSDataClient({ maxAttempts: 1 });
  }

  execute<R extends Row = Row>(sql: string, params?: SqlParams, options?: ExecuteOptions): Promise<QueryResult<R>> {
    return executeStatement<R>(this.client, this.target, sql, params, options);
  }

  async beginTransaction(): Promise<Transaction> {
    const output = await send(() => this.client.send(new BeginTransactionCommand(this.target)));
    if (!output.transactionId) throw new DriverError('BeginTransaction returned no transactionId', 'unavailable');
    return new DataApiTransaction(this.client, this.target, output.transactionId);
  }

  /** Destroys the client if the driver built it (a client passed in stays open). */
  async close(): Promise<void> {
    if (this.ownsClient) this.client.destroy();
  }
}
