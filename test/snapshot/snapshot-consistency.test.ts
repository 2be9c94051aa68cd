import { expect, it } from 'vitest';
import { takeSnapshot } from '../../lambda/snapshot/take-snapshot';
import { useSnapshotStore } from '../support/snapshot-store';
import { readTableObject } from './support/table-object';

const store = useSnapshotStore({
  database: 'snapshot_consistency',
  bucket: 'consistency',
  sql: `
    CREATE TABLE accounts (id int PRIMARY KEY, balance numeric NOT NULL);
    INSERT INTO accounts SELECT g, 100 FROM generate_series(1, 2000) AS g;
    CREATE TABLE ledger (id int PRIMARY KEY, account int NOT NULL, amount numeric NOT NULL);
    INSERT INTO ledger SELECT g, g, 100 FROM generate_series(1, 2000) AS g;
  `,
});

it('reads every table at one instant: changes committed while it runs are not in the snapshot', async () => {
  let changed = false;
  const result = await takeSnapshot({
    driver: store.db.driver(), s3: store.s3, bucket: 'consistency', schemaVersion: null,
    paging: { responseBudgetBytes: 8 * 1024 },
    onProgress: async (p) => {
      if (changed || p.table !== 'accounts' || p.pages !== 2) return;
      // Between two pages of the first table: move money and add rows in both tables, committed.
      await store.db.sql(`
        BEGIN;
        UPDATE accounts SET balance = balance - 50 WHERE id IN (1, 1999);
        INSERT INTO accounts VALUES (2001, 100);
        INSERT INTO ledger VALUES (2001, 1, -50), (2002, 1999, -50), (2003, 2001, 100);
        DELETE FROM ledger WHERE id = 2000;
        COMMIT;`);
      changed = true;
    },
  });
  expect(changed).toBe(true);
  const [accounts, ledger] = result.manifest.tables;
  expect(accounts!.rowCount).toBe(2000);
  expect(ledger!.rowCount).toBe(2000);
  expect([accounts!.table, ledger!.table]).toEqual(['accounts', 'ledger']);
  const accountRows = await readRows<{ id: number; balance: string }>(accounts!.key, 'accounts');
  expect(accountRows.map((a) => a.id)).toEqual(Array.from({ length: 2000 }, (_, i) => i + 1));
  expect(accountRows.every((a) => a.balance === '100')).toBe(true);
  const ledgerRows = await readRows<{ id: number; account: number; amount: string }>(ledger!.key, 'ledger');
  expect(ledgerRows.map((l) => l.id)).toEqual(Array.from({ length: 2000 }, (_, i) => i + 1));
  expect(ledgerRows.every((l) => l.account === l.id && l.amount === '100')).toBe(true);
  // The changes are there for everyone else.
  const now = await store.db.sql('SELECT (SELECT count(*) FROM accounts)::int AS accounts, (SELECT count(*) FROM ledger)::int AS ledger');
  expect(now.rows[0]).toEqual({ accounts: 2001, ledger: 2002 });
});

/**
 * The rows of a table object, in its order, each record line read back by PostgreSQL as the table's row
 * type (`line::<table>`, record_in): ints as numbers, numerics as their text.
 */
async function readRows<Row>(key: string, table: string): Promise<Row[]> {
  const object = await readTableObject(store.s3, 'consistency', key);
  expect(object.format).toBe('record');
  const { rows } = await store.db.sql(
    `SELECT (r).* FROM (SELECT l::${table} AS r, n FROM unnest($1::text[]) WITH ORDINALITY AS u (l, n) OFFSET 0) AS x ORDER BY n`,
    [object.lines],
  );
  expect(rows).toHaveLength(object.lines.length);
  return rows as Row[];
}
