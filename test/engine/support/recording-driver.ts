/**
 * A Driver that passes every call to a real one and records it, to compare what migrate ran with what
 * plan said. Transactions are recorded as `BEGIN` / `COMMIT` / `ROLLBACK` entries around their statements.
 */
import type { Driver, ExecuteOptions, QueryResult, Row, SqlParams, Transaction } from '../../../lambda/driver/driver';

export interface RecordedCall {
  readonly sql: string;
  readonly params?: SqlParams;
  /** The transaction id, or undefined for an autocommit call. */
  readonly transaction?: string;
}

export class RecordingDriver implements Driver {
  readonly calls: RecordedCall[] = [];
  constructor(private readonly inner: Driver) {}

  get kind() {
    return this.inner.kind;
  }
  get database() {
    return this.inner.database;
  }

  execute<R extends Row = Row>(sql: string, params?: SqlParams, options?: ExecuteOptions): Promise<QueryResult<R>> {
    this.calls.push({ sql, ...(params ? { params } : {}) });
    return this.inner.execute<R>(sql, params, options);
  }

  async beginTransaction(): Promise<Transaction> {
    const tx = await this.inner.beginTransaction();
    const calls = this.calls;
    calls.push({ sql: 'BEGIN', transaction: tx.id });
    return {
      id: tx.id,
      execute<R extends Row = Row>(sql: string, params?: SqlParams, options?: ExecuteOptions) {
        calls.push({ sql, ...(params ? { params } : {}), transaction: tx.id });
        return tx.execute<R>(sql, params, options);
      },
      async commit() {
        calls.push({ sql: 'COMMIT', transaction: tx.id });
        await tx.commit();
      },
      async rollback() {
        calls.push({ sql: 'ROLLBACK', transaction: tx.id });
        await tx.rollback();
      },
    };
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
