/**
 * MedDigitalAssistant (shared/seeds/003): the offline-first sales sync's five columns on a populated
 * "App_sale", run end to end by the synthesized function over the local Data API and S3: snapshot,
 * migrate without rewriting the table, existing sales intact, the unique external_id holding, offline
 * sales synced by the new release, the guide's rollback (`migrate App 0007`) through the function's
 * `rollback` event, the restore of the snapshot taken before migrating through its `restore` event
 * (the data exactly as before the release), migrate again while sales keep coming in.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lintMigrationsFolder } from '../../lambda/lint';
import { MEDDIGITAL_MIGRATIONS, loadMedDigital } from '../../examples/meddigital/load-example';
import { startConcurrentWriter } from './support/concurrent-writer';
import { changedTables, dataDigests, digestsOver, plannedIndexes, probe, rowCounts, schemaShape, tableDigest, type SchemaShape, type TableDigest } from './support/database-state';
import { startExampleHarness, type ExampleHarness } from './support/example-harness';
import { expectWholeBundleMigrated } from './support/migrate-assertions';

/** The columns "App_sale" had before 0008. */
const SALE_COLUMNS = ['id', 'sold_by_id', 'total_amount', 'payment_method', 'customer_name', 'created_at'];

/** The relation's file node: a table rewrite (ALTER TABLE that rewrites rows, VACUUM FULL) gives it a new one. */
async function saleFileNode(h: ExampleHarness): Promise<number> {
  const { rows } = await h.db.sql(`SELECT relfilenode::int AS node FROM pg_class WHERE oid = 'public."App_sale"'::regclass`);
  return rows[0].node;
}

/** Sales whose total is not the sum of their items (the guide's "Verify data integrity post-migration"). */
async function salesNotMatchingTheirItems(h: ExampleHarness): Promise<number> {
  const { rows } = await h.db.sql(
    `SELECT count(*)::int AS n FROM "App_sale" s
      WHERE s.total_amount IS DISTINCT FROM (SELECT sum(i.quantity * i.unit_price) FROM "App_saleitem" i WHERE i.sale_id = s.id)`,
  );
  return rows[0].n;
}

describe('MedDigitalAssistant example through the synthesized function', () => {
  let h: ExampleHarness;
  let countsBefore: Record<string, number>;
  let shapeBefore: SchemaShape;
  let digestsBefore: Record<string, TableDigest>;
  let fileNodeBefore: number;
  let snapshotSalesKey: string;
  let firstSnapshotId: string;

  beforeAll(async () => {
    h = await startExampleHarness({ name: 'meddigital', migrationsDir: MEDDIGITAL_MIGRATIONS, load: loadMedDigital });
    countsBefore = await rowCounts(h.db);
    shapeBefore = await schemaShape(h.db);
    digestsBefore = await dataDigests(h.db);
    fileNodeBefore = await saleFileNode(h);
  }, 300_000);
  afterAll(() => h?.close());

  it('lints clean: catalog-only columns, the unique index CONCURRENTLY, the constraint USING INDEX', async () => {
    const report = await lintMigrationsFolder(MEDDIGITAL_MIGRATIONS);
    expect(report.findings).toEqual([]);
    expect(report.files).toEqual(h.bundle.migrations.map((m) => m.up.file));
  });

  it('starts from a populated sale table, Django at 0007, nothing applied by rds-migrate', async () => {
    expect(countsBefore['public.App_sale']).toBeGreaterThanOrEqual(10_000);
    expect(await salesNotMatchingTheirItems(h)).toBe(0);
    const status = await h.status();
    expect(status.current).toBeNull();
    expect(status.pending).toEqual(['0008', '0008.1', '0008.2']);
  });

  it('migrates: snapshot first, 0008, 0008.1 and 0008.2 applied, every verify script passed', async () => {
    const report = await h.migrate();
    const manifest = await expectWholeBundleMigrated(h, report, countsBefore);
    expect(h.bundle.migrations.map((m) => [m.version, m.transactional])).toEqual([
      ['0008', true],
      ['0008.1', false],
      ['0008.2', true],
    ]);
    firstSnapshotId = manifest.snapshotId;
    const sales = manifest.tables.find((t) => t.table === 'App_sale')!;
    expect(sales.columns.map((c) => c.name)).toEqual(SALE_COLUMNS);
    snapshotSalesKey = sales.key;
  });

  it('added the columns without a long lock: no rewrite, the defaults kept in the catalog', async () => {
    expect(await saleFileNode(h)).toBe(fileNodeBefore);
    // atthasmissing: existing rows read the column's value from the catalog (PostgreSQL 11 fast default).
    const missing = await h.db.sql(
      `SELECT attname, atthasmissing FROM pg_attribute WHERE attrelid = 'public."App_sale"'::regclass AND attname IN ('source_device', 'updated_at') ORDER BY 1`,
    );
    expect(missing.rows).toEqual([
      { attname: 'source_device', atthasmissing: true },
      { attname: 'updated_at', atthasmissing: true },
    ]);
  });

  it('keeps every existing sale intact, as the snapshot has it, with the sync columns at their defaults', async () => {
    expect(await digestsOver(h.db, digestsBefore)).toEqual(digestsBefore);
    expect(await rowCounts(h.db)).toEqual(countsBefore);
    expect(await salesNotMatchingTheirItems(h)).toBe(0);

    const snapshotRows = await h.readTableRows(snapshotSalesKey);
    // PostgreSQL's JSON of each row, in UTC as the snapshot writes timestamps.
    const current = await probe(h.db, `SET LOCAL TimeZone = 'UTC'`, `SELECT row_to_json(s) AS row FROM (SELECT ${SALE_COLUMNS.join(', ')} FROM "App_sale" ORDER BY id) s`);
    expect(current.ok).toBe(true);
    if (!current.ok) return;
    // A snapshot's table object keeps key order only for small tables (large ones are read in physical
    // order): compare the rows, not their order.
    const byId = (rows: unknown[]) => [...(rows as Array<{ id: number }>)].sort((a, b) => a.id - b.id);
    expect(byId(current.rows.map((r) => r.row))).toEqual(byId(snapshotRows));

    const defaults = await h.db.sql(
      `SELECT count(*)::int AS sales,
              count(*) FILTER (WHERE source_device = 'web')::int AS from_web,
              count(external_id)::int AS with_external_id,
              count(client_timestamp)::int + count(synced_at)::int AS with_sync_times,
              count(DISTINCT updated_at)::int AS update_times
         FROM "App_sale"`,
    );
    expect(defaults.rows[0]).toEqual({ sales: countsBefore['public.App_sale'], from_web: countsBefore['public.App_sale'], with_external_id: 0, with_sync_times: 0, update_times: 1 });
  });

  it('the unique constraint holds: an offline sale syncs once, retries are refused, sales without external_id coexist', async () => {
    // Guide, Step 5: a sale with the new fields (Django shell).
    const created = await probe(
      h.db,
      `INSERT INTO "App_sale" (sold_by_id, total_amount, external_id, source_device, client_timestamp)
       VALUES (1, 10.00, gen_random_uuid(), 'test-device', now())
       RETURNING source_device, external_id IS NOT NULL AS has_external_id, updated_at IS NOT NULL AS has_updated_at`,
    );
    expect(created).toEqual({ ok: true, rows: [{ source_device: 'test-device', has_external_id: true, has_updated_at: true }] });

    // Guide, Step 7: the same offline sale posted twice.
    const externalId = '550e8400-e29b-41d4-a716-446655440000';
    const insert = `INSERT INTO "App_sale" (sold_by_id, total_amount, external_id, source_device, client_timestamp)
                    VALUES (2, 10.00, '${externalId}', 'test-device', '2026-01-31T14:30:00Z')`;
    expect(await probe(h.db, insert, insert)).toMatchObject({ ok: false, code: '23505' });
    // What an idempotent sync endpoint runs: the retry inserts nothing.
    const idempotent = `${insert} ON CONFLICT (external_id) DO NOTHING RETURNING id`;
    const retried = await probe(h.db, idempotent, idempotent);
    expect(retried).toEqual({ ok: true, rows: [] });

    // NULLs are distinct: web sales without an external_id are not constrained.
    const web = await probe(
      h.db,
      `INSERT INTO "App_sale" (sold_by_id, total_amount) VALUES (3, 5.00), (3, 7.50)`,
      `SELECT count(*)::int AS n FROM "App_sale" WHERE external_id IS NULL`,
    );
    expect(web).toEqual({ ok: true, rows: [{ n: countsBefore['public.App_sale']! + 2 }] });

    await h.db.sql('ANALYZE "App_sale"');
    expect(await plannedIndexes(h.db, `SELECT id FROM "App_sale" WHERE external_id = '${externalId}'`)).toEqual(['App_sale_external_id_key']);
  });

  it('the new release syncs offline sales: each with its external_id, device and times, stock taken off', async () => {
    await h.db.sql(
      `WITH sale AS (
         INSERT INTO "App_sale" (sold_by_id, total_amount, payment_method, customer_name, external_id, source_device, client_timestamp, synced_at)
         SELECT 1 + g % 60, p.unit_price * 3, 'mobile_money', 'offline ' || g, md5('offline-sale-' || g)::uuid, 'tablet-' || (g % 4), now() - interval '2 hours', now()
           FROM generate_series(1, 12) AS g JOIN "App_product" p ON p.id = g
         RETURNING id, total_amount, customer_name)
       INSERT INTO "App_saleitem" (sale_id, product_id, quantity, unit_price)
       SELECT sale.id, substr(sale.customer_name, 9)::bigint, 3, sale.total_amount / 3 FROM sale`,
    );
    const stock = await h.db.sql(`UPDATE "App_product" SET stock_quantity = stock_quantity - 3 WHERE id BETWEEN 1 AND 12`);
    expect(stock.rowCount).toBe(12);
    expect(await salesNotMatchingTheirItems(h)).toBe(0);
    const synced = await h.db.sql(`SELECT count(DISTINCT external_id)::int AS n FROM "App_sale" WHERE source_device LIKE 'tablet-%'`);
    expect(synced.rows[0].n).toBe(12);
  });

  it('rolls back as `migrate App 0007`, through the function’s rollback event: snapshot first, columns gone, existing sales intact', async () => {
    const report = await h.rollback('0');
    expect(report.rollback.reverted.map((m) => m.version)).toEqual(['0008.2', '0008.1', '0008']);
    expect(report.rollback.current).toBeNull();
    // The rollback's snapshot keeps the synced sales with their external_ids, which the down script drops.
    expect(report.snapshot?.schemaVersion).toBe('0008.2');
    expect(report.snapshot?.tables.find((t) => t.table === 'public.App_sale')?.rows).toBe(countsBefore['public.App_sale']! + 12);
    expect(report.ok).toBe(true);
    expect(await schemaShape(h.db)).toEqual(shapeBefore);
    expect(await saleFileNode(h)).toBe(fileNodeBefore);
    // Every sale that existed before the release is as it was; the release's sales and stock changes stay.
    const sales = digestsBefore['App_sale']!;
    expect(await tableDigest(h.db, 'App_sale', sales.columns, `id <= ${countsBefore['public.App_sale']}`)).toBe(sales.digest);
    expect(changedTables(digestsBefore, await dataDigests(h.db))).toEqual(['App_product', 'App_sale', 'App_saleitem']);
    const status = await h.status();
    expect(status.pending).toEqual(['0008', '0008.1', '0008.2']);
  });

  it('restores the snapshot taken before migrating, through the function’s restore event: sales and stock as before the release', async () => {
    const report = await h.restore(firstSnapshotId);
    expect(report.restore.schemaVersion).toBeNull();
    expect(report.restore.totalRows).toBe(Object.values(countsBefore).reduce((a, b) => a + b, 0));
    expect(await dataDigests(h.db)).toEqual(digestsBefore);
    expect(await rowCounts(h.db)).toEqual(countsBefore);
    expect(await salesNotMatchingTheirItems(h)).toBe(0);
    expect(await schemaShape(h.db)).toEqual(shapeBefore);
    // The restore empties the table with TRUNCATE, which gives it a new file: the no-rewrite check of
    // the next migrate compares with this one.
    fileNodeBefore = await saleFileNode(h);
  });

  it('migrates again while the previous release keeps recording sales, and verifies', async () => {
    // The previous release's code path: a sale and its item, knowing none of the new columns.
    const writer = startConcurrentWriter(
      h.db,
      `WITH sale AS (
         INSERT INTO "App_sale" (sold_by_id, total_amount, payment_method, customer_name)
         SELECT 1 + $1::int % 60, unit_price * 2, 'cash', 'during deploy' FROM "App_product" WHERE id = 1 + $1::int % 250
         RETURNING id, total_amount)
       INSERT INTO "App_saleitem" (sale_id, product_id, quantity, unit_price)
       SELECT sale.id, 1 + $1::int % 250, 2, sale.total_amount / 2 FROM sale`,
    );
    let stats;
    try {
      const report = await h.migrate();
      await expectWholeBundleMigrated(h, report, countsBefore, { growing: ['public.App_sale', 'public.App_saleitem'] });
    } finally {
      stats = await writer.stop();
    }
    expect(stats.failures).toEqual([]);
    expect(stats.succeeded).toBeGreaterThan(0);
    // No write waited for a lock as long as the migration's own lock_timeout (5 s).
    expect(stats.maxLatencyMs).toBeLessThan(5000);

    // The writes went on before, during and after the migrations, and got the new columns' defaults.
    const during = await h.db.sql(
      `SELECT count(*)::int AS sales,
              count(*) FILTER (WHERE created_at < (SELECT applied_at FROM rds_migrate.schema_history WHERE version = '0008' AND type = 'sql' ORDER BY installed_rank DESC LIMIT 1))::int AS before_0008,
              count(*) FILTER (WHERE created_at > (SELECT applied_at FROM rds_migrate.schema_history WHERE version = '0008.2' AND type = 'sql' ORDER BY installed_rank DESC LIMIT 1))::int AS after_0008_2,
              count(*) FILTER (WHERE source_device = 'web' AND updated_at IS NOT NULL AND external_id IS NULL)::int AS with_defaults
         FROM "App_sale" WHERE customer_name = 'during deploy'`,
    );
    const { sales, before_0008, after_0008_2, with_defaults } = during.rows[0];
    expect(sales).toBe(stats.succeeded);
    expect(before_0008).toBeGreaterThan(0);
    expect(after_0008_2).toBeGreaterThan(0);
    expect(with_defaults).toBe(sales);
    expect(await saleFileNode(h)).toBe(fileNodeBefore);
    expect(await salesNotMatchingTheirItems(h)).toBe(0);

    const verify = await h.verify();
    expect(verify.verification.checks.filter((c) => !c.passed && c.severity === 'error')).toEqual([]);
    expect(verify.verification.ok).toBe(true);
  });
});
