/**
 * `ExecuteOptions.after` on both drivers: a statement prepared while another runs on the same transaction
 * is sent only once that one has answered (the Data API takes one call at a time on a transaction), and
 * never when it failed; commit and rollback wait for the statements still running.
 */
import { describe, expect, it } from 'vitest';
import type { Driver } from '../../lambda/driver/driver';
import { DatabaseError, DriverError } from '../../lambda/driver/errors';
import { useLocalDataApiDriver } from '../support/local-data-api-driver';

const suite = useLocalDataApiDriver('send_after', 'CREATE TABLE steps (n int, at timestamptz DEFAULT clock_timestamp())');

describe('the Data API without after', () => {
  it('refuses a second call on a transaction while the first runs (what after is for)', async () => {
    const tx = await suite.driver.beginTransaction();
    const first = tx.execute('SELECT pg_sleep(0.4) AS slept');
    const second = await tx.execute('SELECT 1 AS one').catch((error: unknown) => error);
    await first.catch(() => undefined);
    await tx.rollback();
    expect(second).toBeInstanceOf(DriverError);
    expect((second as DriverError).kind).toBe('busy');
  });
});

describe.each([
  ['pg', () => suite.db.driver() as Driver],
  ['data-api', () => suite.driver as Driver],
])('ExecuteOptions.after over %s', (_name, open) => {
  it('sends the statement once the one it waits for has answered, in order', async () => {
    const tx = await open().beginTransaction();
    const first = tx.execute("INSERT INTO steps (n) SELECT 1 FROM pg_sleep(0.4)");
    const second = tx.execute('INSERT INTO steps (n) VALUES (2)', undefined, { after: first });
    const third = tx.execute('SELECT count(*)::int AS steps FROM steps', undefined, { after: second });
    expect((await first).rowsAffected).toBe(1);
    expect((await second).rowsAffected).toBe(1);
    expect((await third).rows).toEqual([{ steps: 2 }]);
    const { rows } = await tx.execute<{ n: number }>('SELECT n FROM steps ORDER BY at');
    await tx.rollback();
    expect(rows.map((r) => r.n)).toEqual([1, 2]);
  });

  it('does not send the statement when the one it waits for failed, and fails with its error', async () => {
    const before = suite.api.counters.byOperation.ExecuteStatement.calls;
    const tx = await open().beginTransaction();
    const first = tx.execute('SELECT 1 / 0 AS boom');
    const second = tx.execute('INSERT INTO steps (n) VALUES (3)', undefined, { after: first });
    const [a, b] = await Promise.all([first.catch((e: unknown) => e), second.catch((e: unknown) => e)]);
    await tx.rollback();
    expect(a).toBeInstanceOf(DatabaseError);
    expect(b).toBe(a);
    if (open() === suite.driver) expect(suite.api.counters.byOperation.ExecuteStatement.calls - before).toBe(1);
    expect((await suite.db.sql('SELECT count(*)::int AS n FROM steps WHERE n = 3')).rows[0].n).toBe(0);
  });

  it('rolls back, and commits, only once the statements still running on the transaction have answered', async () => {
    const rolledBack = await open().beginTransaction();
    const running = rolledBack.execute('INSERT INTO steps (n) SELECT 4 FROM pg_sleep(0.4)');
    const next = rolledBack.execute('INSERT INTO steps (n) VALUES (4)', undefined, { after: running });
    // Given up on both while they run: the rollback waits for them, then ends the transaction.
    await rolledBack.rollback();
    expect((await running).rowsAffected).toBe(1);
    expect((await next).rowsAffected).toBe(1);
    expect((await suite.db.sql('SELECT count(*)::int AS n FROM steps WHERE n = 4')).rows[0].n).toBe(0);

    const committed = await open().beginTransaction();
    const inserted = committed.execute('INSERT INTO steps (n) SELECT 5 FROM pg_sleep(0.4)');
    await committed.commit();
    expect((await inserted).rowsAffected).toBe(1);
    expect((await suite.db.sql('SELECT count(*)::int AS n FROM steps WHERE n = 5')).rows[0].n).toBe(1);
    // Nothing of either transaction is left open on the server.
    expect((await suite.db.sql(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND state LIKE 'idle in transaction%'`)).rows[0].n).toBe(0);
    await suite.db.sql('DELETE FROM steps WHERE n = 5');
  });
});
