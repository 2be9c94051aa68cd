/**
 * A pgbench-style application workload on the shop tables: writer loops, each on a `pg` connection of
 * its own, running the application's transaction over and over:
 *
 *     BEGIN;
 *     UPDATE orders SET total_cents = total_cents + 1 WHERE id = <a seeded order>;
 *     UPDATE accounts SET balance_cents = balance_cents + 1 WHERE id = <a seeded account>;
 *     INSERT INTO orders (id, account_id, total_cents, placed_at) VALUES (<new id>, <that account>, 100, now());
 *     COMMIT;
 *
 * A transaction that fails with a deadlock, a serialization failure or a lock timeout is retried, as
 * an application would; every committed transaction is recorded in a ledger, so the test can check
 * afterwards that each of its writes is in the database.
 */
import pg from 'pg';

export interface WorkloadLedger {
  /** Committed increments per seeded order id. */
  readonly orderIncrements: Map<number, number>;
  /** Committed increments per account id. */
  readonly accountIncrements: Map<number, number>;
  /** Orders inserted and committed: id → account id. */
  readonly insertedOrders: Map<number, number>;
  /** Transactions committed. */
  committed: number;
  /** Transactions retried after 40P01 / 40001 / 55P03, by SQLSTATE. */
  readonly retried: Map<string, number>;
  /** Other errors (none expected), as `SQLSTATE: message`. */
  readonly failures: string[];
  /** The longest a transaction took, ms (how long the migration made the application wait). */
  maxLatencyMs: number;
}

export interface Workload {
  readonly ledger: WorkloadLedger;
  /** Stops the writers after their current transaction and closes their connections. */
  stop(): Promise<WorkloadLedger>;
}

const RETRIED = new Set(['40P01', '40001', '55P03']);

/**
 * Starts `writers` loops against `url`.
 * @param accounts seeded account ids are 1..accounts; @param orders seeded order ids are 1..orders
 * @param firstNewOrderId ids of inserted orders start here (each writer takes its own range)
 */
export function startOrderWorkload(url: string, options: { writers: number; accounts: number; orders: number; firstNewOrderId: number; pauseMs?: number }): Workload {
  const ledger: WorkloadLedger = {
    orderIncrements: new Map(),
    accountIncrements: new Map(),
    insertedOrders: new Map(),
    committed: 0,
    retried: new Map(),
    failures: [],
    maxLatencyMs: 0,
  };
  let stopping = false;
  const add = (map: Map<number, number>, key: number) => map.set(key, (map.get(key) ?? 0) + 1);
  const loops = Array.from({ length: options.writers }, async (_, writer) => {
    const client = new pg.Client({ connectionString: url, application_name: `workload-${writer}` });
    client.on('error', () => undefined);
    await client.connect();
    let nextId = options.firstNewOrderId + writer * 1_000_000;
    try {
      for (let i = 0; !stopping; i++) {
        const order = 1 + ((i * 7919 + writer * 104729) % options.orders);
        const account = 1 + ((i * 6007 + writer * 15485863) % options.accounts);
        const id = nextId;
        const started = Date.now();
        try {
          await client.query('BEGIN');
          await client.query('UPDATE orders SET total_cents = total_cents + 1 WHERE id = $1', [order]);
          await client.query('UPDATE accounts SET balance_cents = balance_cents + 1 WHERE id = $1', [account]);
          await client.query('INSERT INTO orders (id, account_id, total_cents, placed_at) VALUES ($1, $2, 100, now())', [id, account]);
          await client.query('COMMIT');
          add(ledger.orderIncrements, order);
          add(ledger.accountIncrements, account);
          ledger.insertedOrders.set(id, account);
          ledger.committed++;
          nextId++;
        } catch (error) {
          await client.query('ROLLBACK').catch(() => undefined);
          const e = error as { code?: string; message?: string };
          if (e.code && RETRIED.has(e.code)) ledger.retried.set(e.code, (ledger.retried.get(e.code) ?? 0) + 1);
          else ledger.failures.push(`${e.code ?? 'no SQLSTATE'}: ${e.message ?? String(error)}`);
        }
        ledger.maxLatencyMs = Math.max(ledger.maxLatencyMs, Date.now() - started);
        await new Promise((resolve) => setTimeout(resolve, options.pauseMs ?? 5));
      }
    } finally {
      await client.end().catch(() => undefined);
    }
  });
  return {
    ledger,
    async stop() {
      stopping = true;
      await Promise.all(loops);
      return ledger;
    },
  };
}
