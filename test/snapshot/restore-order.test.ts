/**
 * Foreign keys and sequences on restore: parents loaded before children whatever their names, a table
 * that references itself with rows pointing at later rows, a cycle of two tables with NOT DEFERRABLE
 * keys (deferred for the restore only, NOT DEFERRABLE again after), a deferrable cycle, a partitioned
 * child; sequences owned, shared through defaults, and never used.
 */
import { describe, expect, it } from 'vitest';
import { loadOrder } from '../../lambda/snapshot/restore/load-order';
import type { ForeignKey } from '../../lambda/snapshot/restore/restore-catalog';
import { restoreSnapshot } from '../../lambda/snapshot/restore/restore-snapshot';
import { takeSnapshot } from '../../lambda/snapshot/take-snapshot';
import { useSnapshotStore } from '../support/snapshot-store';
import { copyTables, diffWithCopy, tablesOf } from './support/table-copies';

describe('loadOrder', () => {
  const t = (table: string) => ({ schema: 's', table });
  const fk = (from: string, to: string, name = `${from}_${to}`): ForeignKey => ({ name, from: t(from), to: t(to), deferrable: false });
  const names = (units: ReturnType<typeof loadOrder>) => units.map((u) => u.tables.map((x) => x.table).join('+'));

  it('puts every table after the tables it references, keeping the given order otherwise', () => {
    const tables = ['a', 'b', 'c', 'd', 'e'].map(t);
    expect(names(loadOrder(tables, [fk('a', 'b'), fk('b', 'c'), fk('d', 'c')]))).toEqual(['c', 'b', 'a', 'd', 'e']);
    expect(names(loadOrder(tables, []))).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('groups cycles and self-references into one unit with their keys, and ignores keys to other tables', () => {
    const tables = ['a', 'b', 'c', 'd', 'tree'].map(t);
    const units = loadOrder(tables, [fk('a', 'b'), fk('b', 'a'), fk('c', 'a'), fk('tree', 'tree'), fk('d', 'outside'), fk('outside', 'd')]);
    expect(names(units)).toEqual(['a+b', 'c', 'd', 'tree']);
    expect(units[0]!.cyclicKeys.map((k) => k.name)).toEqual(['a_b', 'b_a']);
    expect(units[1]!.cyclicKeys).toEqual([]);
    expect(units[3]!.cyclicKeys.map((k) => k.name)).toEqual(['tree_tree']);
  });
});

describe('restore with foreign keys and sequences', () => {
  const store = useSnapshotStore({
    database: 'restore_order',
    bucket: 'order',
    sql: `
      -- Named so that alphabetical order is the wrong order.
      CREATE TABLE c_parent (id int PRIMARY KEY, name text);
      CREATE TABLE b_child (id int PRIMARY KEY, parent int NOT NULL REFERENCES c_parent);
      CREATE TABLE a_grandchild (id int PRIMARY KEY, child int NOT NULL REFERENCES b_child);
      INSERT INTO c_parent SELECT g, 'p' || g FROM generate_series(1, 50) AS g;
      INSERT INTO b_child SELECT g, 1 + g % 50 FROM generate_series(1, 300) AS g;
      INSERT INTO a_grandchild SELECT g, 1 + g % 300 FROM generate_series(1, 900) AS g;

      -- A tree whose rows point at rows with larger ids, loaded across many batches.
      CREATE TABLE tree (id int PRIMARY KEY, parent int REFERENCES tree, label text);
      INSERT INTO tree SELECT g, NULL, repeat('t', 200) FROM generate_series(1, 2000) AS g;
      UPDATE tree SET parent = id + 1 WHERE id < 2000;

      -- A cycle of two NOT DEFERRABLE keys, and a cycle of DEFERRABLE INITIALLY DEFERRED ones.
      CREATE TABLE x (id int PRIMARY KEY, y_id int);
      CREATE TABLE y (id int PRIMARY KEY, x_id int REFERENCES x);
      ALTER TABLE x ADD CONSTRAINT x_y FOREIGN KEY (y_id) REFERENCES y;
      INSERT INTO x SELECT g, NULL FROM generate_series(1, 100) AS g;
      INSERT INTO y SELECT g, 101 - g FROM generate_series(1, 100) AS g;
      UPDATE x SET y_id = id;
      CREATE TABLE m (id int PRIMARY KEY, n_id int);
      CREATE TABLE n (id int PRIMARY KEY, m_id int REFERENCES m DEFERRABLE INITIALLY DEFERRED);
      ALTER TABLE m ADD CONSTRAINT m_n FOREIGN KEY (n_id) REFERENCES n DEFERRABLE INITIALLY DEFERRED;
      BEGIN; INSERT INTO m VALUES (1, 1); INSERT INTO n VALUES (1, 1); COMMIT;

      -- A partitioned table referencing a parent.
      CREATE TABLE visits (id int, at date, parent int REFERENCES c_parent, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
      CREATE TABLE visits_a PARTITION OF visits FOR VALUES FROM ('2024-01-01') TO ('2024-07-01');
      CREATE TABLE visits_b PARTITION OF visits FOR VALUES FROM ('2024-07-01') TO ('2025-01-01');
      INSERT INTO visits SELECT g, DATE '2024-01-01' + g % 360, 1 + g % 50 FROM generate_series(1, 500) AS g;

      -- Sequences: shared by two tables' defaults, and one never used.
      CREATE SEQUENCE shared_seq START 100;
      CREATE TABLE s_one (id int PRIMARY KEY DEFAULT nextval('shared_seq'), v text);
      CREATE TABLE s_two (id int PRIMARY KEY DEFAULT nextval('shared_seq'), v text);
      INSERT INTO s_one (v) SELECT 'one' FROM generate_series(1, 5);
      INSERT INTO s_two (v) SELECT 'two' FROM generate_series(1, 3);
      CREATE TABLE unused (id bigserial PRIMARY KEY);`,
  });

  it('loads parents before children, defers cyclic keys for the restore only, resets every sequence', async () => {
    const driver = store.db.driver();
    const snapshot = await takeSnapshot({ driver, s3: store.s3, bucket: 'order', schemaVersion: null });
    const byName = new Map(snapshot.manifest.tables.map((t) => [t.table, t]));
    expect(byName.get('s_one')!.sequences).toEqual([{ schema: 'public', name: 'shared_seq', lastValue: '107', isCalled: true }]);
    expect(byName.get('s_two')!.sequences).toEqual([{ schema: 'public', name: 'shared_seq', lastValue: '107', isCalled: true }]);
    expect(byName.get('unused')!.sequences).toEqual([{ schema: 'public', name: 'unused_id_seq', lastValue: '1', isCalled: false }]);

    const tables = await tablesOf(store.db, ['public']);
    await copyTables(store.db, tables, 'before');
    await store.db.sql(`
      TRUNCATE c_parent, b_child, a_grandchild, tree, x, y, m, n, visits, s_one, s_two CASCADE;
      SELECT nextval('shared_seq'), nextval('shared_seq'), nextval('unused_id_seq');`);

    // Small batches: the tree's rows reference rows of later batches.
    const report = await restoreSnapshot({ driver, s3: store.s3, bucket: 'order', snapshotId: snapshot.snapshotId, confirm: snapshot.snapshotId, batchBytes: 16 * 1024 });
    for (const table of tables) {
      const copy = await store.db.sql(`SELECT count(*)::int AS n FROM before."public__${table.table}"`);
      expect(await diffWithCopy(store.db, table, 'before'), table.table).toEqual({ missing: 0, extra: 0, rows: copy.rows[0].n });
    }
    const order = report.tables.map((t) => t.table);
    const before = (a: string, b: string) => expect(order.indexOf(a), `${a} before ${b}`).toBeLessThan(order.indexOf(b));
    before('c_parent', 'b_child');
    before('b_child', 'a_grandchild');
    before('c_parent', 'visits');
    expect(report.tables.find((t) => t.table === 'tree')!.batches).toBeGreaterThan(10);

    const keys = await store.db.sql(`SELECT conname, condeferrable, condeferred FROM pg_constraint WHERE contype = 'f' AND conname IN ('x_y', 'y_x_id_fkey', 'tree_parent_fkey', 'm_n', 'n_m_id_fkey') ORDER BY 1`);
    expect(keys.rows).toEqual([
      { conname: 'm_n', condeferrable: true, condeferred: true },
      { conname: 'n_m_id_fkey', condeferrable: true, condeferred: true },
      { conname: 'tree_parent_fkey', condeferrable: false, condeferred: false },
      { conname: 'x_y', condeferrable: false, condeferred: false },
      { conname: 'y_x_id_fkey', condeferrable: false, condeferred: false },
    ]);
    const seqs = await store.db.sql(`SELECT last_value::text AS v, is_called FROM shared_seq UNION ALL SELECT last_value::text, is_called FROM unused_id_seq`);
    expect(seqs.rows).toEqual([{ v: '107', is_called: true }, { v: '1', is_called: false }]);
    expect((await store.db.sql(`SELECT nextval('unused_id_seq')::int AS n`)).rows[0].n).toBe(1);
  });
});
