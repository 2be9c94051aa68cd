/**
 * Open Data API transactions: each holds one connection between BeginTransaction and
 * Commit/RollbackTransaction. Rules from `/work/shared/data-api-reference.md` and the Aurora user
 * guide ("Troubleshooting Amazon RDS Data API", "Transaction <id> isn't found"):
 * - a transaction with no call for 3 minutes is rolled back; later calls get
 *   TransactionNotFoundException (404) "... Transaction may be expired.";
 * - a call on a transaction that is still running a query fails with DatabaseErrorException
 *   "Transaction is still running a query";
 * - an error in a call ends the transaction (rolled back); later calls get
 *   TransactionNotFoundException "... Transaction has been aborted due to an error from a previous call.";
 * - after Commit or Rollback, the id is not found "... One previous call resulted in a termination of
 *   your transaction.".
 */
import { randomBytes } from 'node:crypto';
import type { Lease } from './connections';
import { serviceError } from './service-error';

export interface OpenTransaction {
  readonly id: string;
  readonly lease: Lease;
}

interface Entry extends OpenTransaction {
  busy: boolean;
  idleTimer: NodeJS.Timeout | undefined;
}

const REASONS = {
  expired: 'Transaction may be expired.',
  aborted: 'Transaction has been aborted due to an error from a previous call.',
  terminated: 'One previous call resulted in a termination of your transaction.',
} as const;

export type EndReason = keyof typeof REASONS;

/** How many ended ids are remembered to explain a later TransactionNotFoundException. */
const REMEMBERED_ENDINGS = 10_000;

/** A transaction id in the style AWS issues: opaque base64 of random bytes. */
function newTransactionId(): string {
  return randomBytes(48).toString('base64');
}

export class TransactionRegistry {
  private readonly open = new Map<string, Entry>();
  private readonly ended = new Map<string, EndReason>();

  /** @param idleTimeoutMs time without a call after which a transaction is rolled back, in ms */
  constructor(private readonly idleTimeoutMs: number) {}

  /** Number of open transactions. */
  get size(): number {
    return this.open.size;
  }

  /**
   * Runs `BEGIN` on `lease` and registers the transaction. The lease belongs to the registry from then
   * on (on failure it is released here).
   * @throws the `pg` error of BEGIN
   */
  async begin(lease: Lease): Promise<string> {
    try {
      await lease.client.query('BEGIN');
    } catch (error) {
      await lease.release();
      throw error;
    }
    const entry: Entry = { id: newTransactionId(), lease, busy: false, idleTimer: undefined };
    this.open.set(entry.id, entry);
    this.armIdleTimer(entry);
    return entry.id;
  }

  /**
   * Marks the transaction busy for one call; pair with {@link settle} or {@link end}.
   * @throws {ServiceError} TransactionNotFoundException (unknown or ended id), DatabaseErrorException
   *   "Transaction is still running a query" (a previous call's statement is still running)
   */
  claim(id: string): OpenTransaction {
    const entry = this.open.get(id);
    if (!entry) {
      const reason = this.ended.get(id);
      throw serviceError('TransactionNotFoundException', `Transaction ${id} is not found${reason ? `: ${REASONS[reason]}` : '.'}`);
    }
    if (entry.busy) throw serviceError('DatabaseErrorException', 'Transaction is still running a query');
    entry.busy = true;
    clearTimeout(entry.idleTimer);
    return entry;
  }

  /** Ends a call that left the transaction usable: it is idle again (and its idle clock restarts). */
  settle(transaction: OpenTransaction): void {
    const entry = this.open.get(transaction.id);
    if (!entry) return;
    entry.busy = false;
    this.armIdleTimer(entry);
  }

  /**
   * Ends the transaction: rolls it back unless `command` already ended it, releases its connection
   * and remembers why (for later TransactionNotFoundException messages). Never throws.
   * @param rollback false when COMMIT or ROLLBACK already ran on the connection
   */
  async end(transaction: OpenTransaction, reason: EndReason, rollback = true): Promise<void> {
    const entry = this.open.get(transaction.id);
    if (!entry) return;
    clearTimeout(entry.idleTimer);
    this.open.delete(entry.id);
    this.remember(entry.id, reason);
    if (rollback) await entry.lease.client.query('ROLLBACK').catch(() => undefined);
    await entry.lease.release();
  }

  /**
   * Runs COMMIT or ROLLBACK for CommitTransaction / RollbackTransaction and ends the transaction.
   * A COMMIT that PostgreSQL turns into a rollback (deferred constraint, serialization failure) throws
   * its error; the transaction is ended either way.
   * @throws {ServiceError} as {@link claim}; the `pg` error of the command
   */
  async finish(id: string, command: 'COMMIT' | 'ROLLBACK'): Promise<void> {
    const transaction = this.claim(id);
    try {
      await transaction.lease.client.query(command);
    } catch (error) {
      await this.end(transaction, 'aborted');
      throw error;
    }
    await this.end(transaction, 'terminated', false);
  }

  /**
   * Ends an idle open transaction as the idle timeout does (rolled back; later calls get
   * TransactionNotFoundException "Transaction may be expired."): for fault injection. Returns false
   * (and does nothing) when `id` names no open transaction, or one whose call is still running.
   */
  async expire(id: string | undefined): Promise<boolean> {
    const entry = id === undefined ? undefined : this.open.get(id);
    if (!entry || entry.busy) return false;
    await this.end(entry, 'expired');
    return true;
  }

  /** Rolls back and releases every open transaction (server shutdown). */
  async close(): Promise<void> {
    await Promise.all([...this.open.values()].map((entry) => this.end(entry, 'terminated')));
  }

  /** Backend pids of transactions whose call is still running (to cancel them on shutdown). */
  busyConnections(): Lease[] {
    return [...this.open.values()].filter((entry) => entry.busy).map((entry) => entry.lease);
  }

  private armIdleTimer(entry: Entry): void {
    clearTimeout(entry.idleTimer);
    entry.idleTimer = setTimeout(() => {
      if (this.open.get(entry.id) === entry && !entry.busy) void this.end(entry, 'expired');
    }, this.idleTimeoutMs);
    entry.idleTimer.unref();
  }

  private remember(id: string, reason: EndReason): void {
    this.ended.set(id, reason);
    if (this.ended.size > REMEMBERED_ENDINGS) {
      const oldest = this.ended.keys().next().value;
      if (oldest !== undefined) this.ended.delete(oldest);
    }
  }
}
