import pg from 'pg';
import type { Driver, ExecuteOptions, QueryResult, Row, SqlParams, SqlScalar, Transaction, TypedParam } from '../driver';
import { toPositional } from '../named-parameters';
import { RunningCalls } from '../running-calls';
import { fromPgError } from './pg-errors';
import { dataApiTypes } from './pg-types';

export interface PgDriverOptions {
  /** A `postgres://user:pass@host:port/database` URL. */
  readonly connectionString: string;
  /** Pool size. @default 4 */
  readonly maxConnections?: number;
}

function toPgValue(value: SqlScalar | TypedParam): unknown {
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  if (value !== null && typeof value === 'object') return value.value;
  return value;
}

/** A row in the Data API's JSON record shape (`ExecuteOptions.formatRecordsAs`): bytea as base64 text. */
function toJsonRecord(row: Row): Row {
  for (const [key, value] of Object.entries(row)) {
    if (value instanceof Uint8Array) row[key] = Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
  }
  return row;
}

async function run<R extends Row>(
  client: pg.Pool | pg.PoolClient,
  sql: string,
  params?: SqlParams,
  options?: ExecuteOptions,
): Promise<QueryResult<R>> {
  const { text, names } = toPositional(sql);
  const values = names.map((name) => {
    if (!params || !(name in params)) throw new Error(`Missing parameter :${name} for statement: ${sql.slice(0, 80)}`);
    return toPgValue(params[name]!);
  });
  if (options?.after) await options.after;
  try {
    const result = await client.query({ text, values, types: dataApiTypes });
    // A multi-statement string is rejected before it gets here in the Data API; pg returns an array.
    const single = Array.isArray(result) ? result[result.length - 1] : result;
    const rows = (single?.rows ?? []) as R[];
    if (options?.formatRecordsAs === 'JSON') rows.forEach(toJsonRecord);
    return {
      rows,
      rowsAffected: single?.command === 'SELECT' ? 0 : (single?.rowCount ?? 0),
    };
  } catch (error) {
    throw fromPgError(error);
  }
}

class PgTransaction implements Transaction {
  private done = false;
  private readonly running = new RunningCalls();
  /** Set when the connection fails while checked out (e.g. the backend was terminated). */
  private connectionError: Error | undefined;
  private readonly onError = (error: Error): void => {
    this.connectionError = error;
  };

  constructor(private readonly client: pg.PoolClient, readonly id: string) {
    // A checked-out client that loses its server emits 'error'; unhandled, it would end the process.
    client.on('error', this.onError);
  }

  execute<R extends Row = Row>(sql: string, params?: SqlParams, options?: ExecuteOptions): Promise<QueryResult<R>> {
    if (this.done) throw new Error(`Transaction ${this.id} is already finished`);
    if (this.connectionError) return Promise.reject(fromPgError(this.connectionError));
    return this.running.track(run<R>(this.client, sql, params, options));
  }

  /** COMMIT, once the statements still running (or held by `after`) have answered. */
  async commit(): Promise<void> {
    await this.finish('COMMIT');
  }

  /** ROLLBACK, once the statements still running (or held by `after`) have answered. */
  async rollback(): Promise<void> {
    await this.finish('ROLLBACK');
  }

  private async finish(command: 'COMMIT' | 'ROLLBACK'): Promise<void> {
    if (this.done) throw new Error(`Transaction ${this.id} is already finished`);
    this.done = true;
    await this.running.settled();
    let failed = this.connectionError !== undefined;
    try {
      if (this.connectionError) throw this.connectionError;
      await this.client.query(command);
    } catch (error) {
      failed = true;
      throw fromPgError(error);
    } finally {
      this.client.off('error', this.onError);
      this.client.release(failed);
    }
  }
}

/**
 * The direct `pg` backend, for the CLI and the tests. Outside a transaction each call takes a pooled
 * connection and gives it back, so, as with the Data API, no session state should be relied on
 * between calls.
 */
export class PgDriver implements Driver {
  readonly kind = 'pg' as const;
  readonly database: string;
  private readonly pool: pg.Pool;
  private transactions = 0;

  constructor(options: PgDriverOptions) {
    this.pool = new pg.Pool({ connectionString: options.connectionString, max: options.maxConnections ?? 4 });
    // An idle pooled client that loses its server must not crash the process.
    this.pool.on('error', () => undefined);
    this.database = decodeURIComponent(new URL(options.connectionString).pathname.replace(/^\//, '')) || 'postgres';
  }

  execute<R extends Row = Row>(sql: string, params?: SqlParams, options?: ExecuteOptions): Promise<QueryResult<R>> {
    return run<R>(this.pool, sql, params, options);
  }

  async beginTransaction(): Promise<Transaction> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw fromPgError(error);
    }
    try {
      await client.query('BEGIN');
    } catch (error) {
      client.release(true);
      throw fromPgError(error);
    }
    this.transactions += 1;
    return new PgTransaction(client, `pg-${this.transactions}`);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

