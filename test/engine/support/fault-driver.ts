/**
 * A Driver that passes every call to a real one and can fail a call AFTER it ran: the answer is lost
 * on its way back (a reset connection, a 5xx after the database committed). Neither PostgreSQL nor the
 * local Data API's fault hook (which fails calls before they run) can produce that, so it is injected
 * here. It can also "crash": from a chosen call on, every call fails without running, as for a process
 * that died.
 */
import type { Driver, ExecuteOptions, QueryResult, Row, SqlParams, Transaction } from '../../../lambda/driver/driver';
import { DriverError } from '../../../lambda/driver/errors';

export type CallKind = 'execute' | 'begin' | 'commit' | 'rollback';

export interface CallInfo {
  readonly kind: CallKind;
  /** The SQL for `execute`, '' otherwise. */
  readonly sql: string;
  /** True for a call inside a transaction. */
  readonly inTransaction: boolean;
}

/** Decides, after a call ran, whether its answer is lost. */
export type LoseAnswer = (call: CallInfo) => boolean;

export const lostAnswer = (): DriverError =>
  new DriverError('ECONNRESET: socket hang up', 'unavailable', 'ECONNRESET');

export class FaultDriver implements Driver {
  /** Calls seen, in order. */
  readonly calls: CallInfo[] = [];
  /** Answers thrown away. */
  lost = 0;
  /** Set to make every later call fail without running (the process "died"). */
  crashed = false;

  constructor(
    private readonly inner: Driver,
    public loseAnswer: LoseAnswer = () => false,
  ) {}

  get kind() {
    return this.inner.kind;
  }
  get database() {
    return this.inner.database;
  }

  private async around<T>(call: CallInfo, run: () => Promise<T>): Promise<T> {
    if (this.crashed) throw new Error('the runner crashed');
    this.calls.push(call);
    const result = await run();
    if (this.loseAnswer(call)) {
      this.lost += 1;
      throw lostAnswer();
    }
    return result;
  }

  execute<R extends Row = Row>(sql: string, params?: SqlParams, options?: ExecuteOptions): Promise<QueryResult<R>> {
    return this.around({ kind: 'execute', sql, inTransaction: false }, () => this.inner.execute<R>(sql, params, options));
  }

  async beginTransaction(): Promise<Transaction> {
    const tx = await this.around({ kind: 'begin', sql: '', inTransaction: false }, () => this.inner.beginTransaction());
    const around = <T>(call: CallInfo, run: () => Promise<T>) => this.around(call, run);
    return {
      id: tx.id,
      execute<R extends Row = Row>(sql: string, params?: SqlParams, options?: ExecuteOptions) {
        return around({ kind: 'execute', sql, inTransaction: true }, () => tx.execute<R>(sql, params, options));
      },
      commit: () => around({ kind: 'commit', sql: '', inTransaction: true }, () => tx.commit()),
      rollback: () => around({ kind: 'rollback', sql: '', inTransaction: true }, () => tx.rollback()),
    };
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
