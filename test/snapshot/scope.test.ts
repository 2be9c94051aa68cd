/**
 * The `affected` snapshot scope: what each statement touches (the PostgreSQL parser, at bundle time),
 * and the tables that makes on a real database (relations resolved, indexes and sequences to their
 * tables, foreign-key neighbours both ways, other schemas left out).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BundledMigration } from '../../lambda/migrations/bundle';
import { affectedTables } from '../../lambda/snapshot/scope/affected-tables';
import { planSnapshotScope } from '../../lambda/snapshot/scope/snapshot-scope';
import { touchedRelations } from '../../lambda/snapshot/scope/touched-relations';
import { recordTouches } from '../../lambda/migrations/record-touches';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { bundled, bundleOf } from './support/bundle';

const touches = (...up: string[]) => touchedRelations(bundled('0001', 'm', up));

describe('touchedRelations (bundle time, with the PostgreSQL parser)', () => {
  it.each([
    [['ALTER TABLE orders ADD COLUMN note text'], [{ name: 'orders' }]],
    [['UPDATE public.orders o SET total = 0 FROM customers c WHERE c.id = o.customer'], [{ schema: 'public', name: 'orders' }]],
    [['WITH d AS (DELETE FROM audit_log WHERE at < now() RETURNING *) INSERT INTO archive SELECT * FROM d'], [{ name: 'archive' }, { name: 'audit_log' }]],
    [['INSERT INTO products (name) VALUES ($$a;b$$)', 'DELETE FROM products WHERE id = 1'], [{ name: 'products' }]],
    [['CREATE INDEX CONCURRENTLY products_name ON products (name)'], [{ name: 'products' }]],
    [['DROP INDEX old_index', 'DROP TABLE "Gone", s.other'], [{ name: 'old_index' }, { name: 'Gone' }, { schema: 's', name: 'other' }]],
    [[`SELECT setval('"Odd".Order_Seq', 10)`], [{ schema: 'Odd', name: 'order_seq' }]],
    [['CREATE TABLE fresh (id int PRIMARY KEY)', 'CREATE VIEW v AS SELECT 1', 'COMMENT ON TABLE orders IS $$x$$', 'GRANT SELECT ON orders TO PUBLIC'], []],
    [['CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM (1) TO (2)'], [{ name: 'events' }]],
    [['ALTER TABLE events ATTACH PARTITION events_old FOR VALUES FROM (0) TO (1)'], [{ name: 'events' }, { name: 'events_old' }]],
    [['TRUNCATE a, ONLY b', 'ALTER SEQUENCE orders_id_seq RESTART', 'ALTER TABLE t RENAME TO t2'], [{ name: 'a' }, { name: 'b' }, { name: 'orders_id_seq' }, { name: 't' }]],
    [["ALTER TYPE mood ADD VALUE 'great'", 'VACUUM orders', 'SET lock_timeout = 1000'], []],
  ])('%j touches %j', async (statements, expected) => {
    expect(await touches(...statements)).toEqual({ relations: expected });
  });

  it.each([
    [['DO $$ BEGIN UPDATE anything SET x = 1; END $$'], /0001_m\/up.sql:1: DO statements are not analysed/],
    [['ALTER TABLE orders ADD COLUMN x int', 'SELECT recompute_totals()'], /0001_m\/up.sql:2: SELECT calls recompute_totals\(\), which may change any table/],
    [['CALL archive_old()'], /CALL statements are not analysed/],
    [['DROP TYPE mood CASCADE'], /DROP TYPE ... CASCADE may drop columns of any table/],
    [['DROP SCHEMA legacy CASCADE'], /DROP SCHEMA ... CASCADE/],
  ])('%j cannot be analysed', async (statements, reason) => {
    const result = await touches(...statements);
    expect('unknown' in result && result.unknown).toMatch(reason);
  });

  it('a data migration may change any table', async () => {
    const data = { ...bundled('0002', 'backfill', []), data: { module: '0002_backfill/up.ts' } } as BundledMigration;
    expect(await touchedRelations(data)).toEqual({ unknown: '0002_backfill/up.sql: a data migration (a module) may change any table' });
  });

  it('records them on each migration of a bundle, as the compiler does', async () => {
    const bundle = await recordTouches(bundleOf([bundled('1', 'a', ['ALTER TABLE x ADD y int']), bundled('2', 'b', ['DO $$ BEGIN END $$'])]));
    expect(bundle.migrations[0]!.touches).toEqual({ relations: [{ name: 'x' }] });
    expect(bundle.migrations[1]!.touches).toMatchObject({ unknown: expect.stringMatching(/DO statements/) });
  });
});

describe('the affected tables on a database', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('snapshot_scope');
    await db.sql(`
      CREATE TABLE categories (id int PRIMARY KEY);
      CREATE TABLE products (id int PRIMARY KEY, category int REFERENCES categories, name text);
      CREATE INDEX products_name ON products (name);
      CREATE TABLE customers (id serial PRIMARY KEY);
      CREATE TABLE orders (id int PRIMARY KEY, customer int REFERENCES customers);
      CREATE TABLE order_items (order_id int REFERENCES orders, product int REFERENCES products, PRIMARY KEY (order_id, product));
      CREATE TABLE audit_log (id int PRIMARY KEY, what text);
      CREATE SEQUENCE invoice_numbers;
      CREATE TABLE invoices (id int PRIMARY KEY DEFAULT nextval('invoice_numbers'));
      CREATE TABLE events (id int, at int, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
      CREATE TABLE events_1 PARTITION OF events FOR VALUES FROM (0) TO (10);
      CREATE SCHEMA other;
      CREATE TABLE other.remote (id int PRIMARY KEY, customer int REFERENCES public.customers);`);
  });
  afterAll(() => db?.drop());

  const names = (tables: { schema: string; table: string }[]) => tables.map((t) => `${t.schema}.${t.table}`);

  it('takes the touched tables, the tables that reference them, and all they reference', async () => {
    const result = await affectedTables(db.driver(), [{ name: 'orders' }], ['public']);
    // orders; order_items references it; customers, products and categories are referenced along the way.
    expect(names(result.tables)).toEqual(['public.categories', 'public.customers', 'public.order_items', 'public.orders', 'public.products']);
    expect(names(result.outside)).toEqual([]);
    const customers = await affectedTables(db.driver(), [{ schema: 'public', name: 'customers' }], ['public']);
    expect(names(customers.tables)).toEqual(['public.customers', 'public.order_items', 'public.orders', 'public.products', 'public.categories'].sort());
    expect(names(customers.outside)).toEqual(['other.remote']);
  });

  it('resolves indexes, sequences and partitions to their tables, and reports relations that do not exist yet', async () => {
    const result = await affectedTables(
      db.driver(),
      [{ name: 'products_name' }, { name: 'invoice_numbers' }, { name: 'customers_id_seq' }, { name: 'events_1' }, { name: 'created_later' }, { schema: 'nope', name: 'x' }],
      ['public'],
    );
    expect(names(result.tables)).toEqual(['public.categories', 'public.customers', 'public.events', 'public.invoices', 'public.order_items', 'public.orders', 'public.products']);
    expect(result.notFound).toEqual([{ name: 'created_later' }, { schema: 'nope', name: 'x' }]);
    expect((await affectedTables(db.driver(), [{ name: 'audit_log' }], ['public'])).tables).toEqual([{ schema: 'public', table: 'audit_log' }]);
  });

  it('plans the scope: affected from the recorded touches, full when a migration cannot be analysed or records nothing, none', async () => {
    const bundle = await recordTouches(bundleOf([
      bundled('1', 'products', ['ALTER TABLE products ADD COLUMN sku text', 'CREATE TABLE skus (sku text PRIMARY KEY)', 'INSERT INTO skus SELECT sku FROM products']),
      bundled('2', 'backfill', ['SELECT backfill_skus()']),
    ]));
    const driver = db.driver();
    const [first, second] = bundle.migrations as [BundledMigration, BundledMigration];
    expect(await planSnapshotScope(driver, { scope: 'affected', pending: [first], schemas: ['public'] })).toEqual({
      scope: 'affected', tables: [{ schema: 'public', table: 'categories' }, { schema: 'public', table: 'order_items' }, { schema: 'public', table: 'orders' }, { schema: 'public', table: 'products' }, { schema: 'public', table: 'customers' }].sort((a, b) => a.table.localeCompare(b.table)),
      notFound: [{ name: 'skus' }], outside: [],
    });
    expect(await planSnapshotScope(driver, { scope: 'affected', pending: [first, second], schemas: ['public'] })).toEqual({
      scope: 'full', asked: 'affected', reason: 'migration 2 cannot be analysed: 2_backfill/up.sql:1: SELECT calls backfill_skus(), which may change any table',
    });
    expect(await planSnapshotScope(driver, { scope: 'affected', pending: [bundled('3', 'x', ['ALTER TABLE orders ADD y int'])], schemas: ['public'] })).toMatchObject({
      scope: 'full', reason: 'the bundle records no touched tables for migration 3 (compiled without them)',
    });
    // Without recorded touches, an analyser the caller may load (the CLI) is asked.
    const analysed = await planSnapshotScope(driver, { scope: 'affected', pending: [bundled('3', 'x', ['ALTER TABLE audit_log ADD y int'])], schemas: ['public'], analyse: touchedRelations });
    expect(analysed).toMatchObject({ scope: 'affected', tables: [{ schema: 'public', table: 'audit_log' }] });
    expect(await planSnapshotScope(driver, { scope: 'none', pending: [first], schemas: ['public'] })).toEqual({ scope: 'none' });
    expect(await planSnapshotScope(driver, { scope: 'full', pending: [first], schemas: ['public'] })).toEqual({ scope: 'full', asked: 'full' });
    await expect(planSnapshotScope(driver, { scope: 'some' as 'full', pending: [], schemas: ['public'] })).rejects.toThrow(/^scope: "some" must be one of full, affected, none/);
  });
});
