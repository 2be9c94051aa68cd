/**
 * The `affected` snapshot scope end to end, through the function `cdk synth` bundles: the compiler
 * records what each migration touches at synth time (the function never loads the parser), the
 * snapshot before migrating holds exactly the touched tables and their foreign-key neighbours, a
 * migration that cannot be analysed (a DO block) widens it to full with the reason in the report, and
 * such a snapshot restores in place.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MigrateActionReport } from '../../lambda/actions/migrate-action';
import pg from 'pg';
import { startExampleHarness, type ExampleHarness } from '../examples/support/example-harness';

const MIGRATIONS = fileURLToPath(new URL('../fixtures/migrations/affected-scope', import.meta.url));

/** publishers <- authors <- books <- reviews, and two tables no migration's snapshot needs. */
const SCHEMA = `
  CREATE TABLE publishers (id int PRIMARY KEY, name text NOT NULL);
  CREATE TABLE authors (id int PRIMARY KEY, publisher int NOT NULL REFERENCES publishers, name text NOT NULL);
  CREATE TABLE books (id serial PRIMARY KEY, author int NOT NULL REFERENCES authors, title text NOT NULL);
  CREATE TABLE reviews (id int PRIMARY KEY, book int NOT NULL REFERENCES books, stars int NOT NULL);
  CREATE TABLE audit_log (id bigserial PRIMARY KEY, what text NOT NULL);
  CREATE TABLE settings (key text PRIMARY KEY, value text NOT NULL);
  INSERT INTO publishers SELECT g, 'publisher ' || g FROM generate_series(1, 3) AS g;
  INSERT INTO authors SELECT g, 1 + g % 3, 'author ' || g FROM generate_series(1, 10) AS g;
  INSERT INTO books (author, title) SELECT 1 + g % 10, 'book ' || g FROM generate_series(1, 50) AS g;
  INSERT INTO reviews SELECT g, 1 + g % 50, 1 + g % 5 FROM generate_series(1, 200) AS g;
  INSERT INTO audit_log (what) SELECT 'event ' || g FROM generate_series(1, 100) AS g;
  INSERT INTO settings VALUES ('review_count', '0'), ('theme', 'dark');`;

const load = async (url: string) => {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(SCHEMA);
  } finally {
    await client.end();
  }
};

describe('snapshot scope affected through the synthesized function', () => {
  let h: ExampleHarness;
  let first: MigrateActionReport;

  beforeAll(async () => {
    h = await startExampleHarness({ name: 'affected_scope', migrationsDir: MIGRATIONS, load, environment: { RDS_MIGRATE_SNAPSHOT_SCOPE: 'affected' } });
  }, 240_000);
  afterAll(() => h?.close());

  it('the bundle records each migration\'s touches, and the function bundle does not contain the parser', async () => {
    expect(h.bundle.migrations.map((m) => [m.version, m.touches])).toEqual([
      ['0001', { relations: [{ name: 'books' }] }],
      ['0002', { unknown: '0002_recount_reviews/up.sql:1: DO statements are not analysed' }],
    ]);
    const sources = (JSON.parse(await readFile(path.join(h.fn.assetDir, 'index.js.map'), 'utf8')) as { sources: string[] }).sources;
    expect(sources.some((s) => s.includes('lambda/handler.ts'))).toBe(true);
    expect(sources.filter((s) => /libpg-query|touched-relations|sql-parser|record-touches/.test(s))).toEqual([]);
  });

  it('snapshots the touched table and its foreign-key neighbours before migrating, and nothing else', async () => {
    first = await h.invoke<MigrateActionReport>({ action: 'migrate', targetVersion: '0001' });
    expect(first.migrate.applied.map((m) => m.version)).toEqual(['0001']);
    expect(first.snapshot).toMatchObject({ scope: 'affected', schemaVersion: null, totalRows: 263 });
    expect(first.snapshot).not.toHaveProperty('scopeNote');
    // books; reviews references it; authors and publishers are referenced along the way.
    expect(first.snapshot!.tables.map((t) => [t.table, t.rows])).toEqual([
      ['public.authors', 10], ['public.books', 50], ['public.publishers', 3], ['public.reviews', 200],
    ]);
    const manifest = await h.readManifest(first.snapshot!.snapshotId);
    expect(manifest.scope).toBe('affected');
    expect(manifest.tables.map((t) => `${t.schema}.${t.table}`)).toEqual(['public.authors', 'public.books', 'public.publishers', 'public.reviews']);
    // The rows as they were before 0001 added isbn.
    const books = await h.readTableRows(manifest.tables.find((t) => t.table === 'books')!.key);
    expect(books).toHaveLength(50);
    expect(Object.keys(books[0]!).sort()).toEqual(['author', 'id', 'title']);
  });

  it('restores that snapshot in place: its tables as they were, the tables outside it untouched', async () => {
    const rows = async (sql: string) => (await h.db.sql(sql)).rows;
    const before = await rows('SELECT b.id, b.title, count(r.id)::int AS reviews FROM books b LEFT JOIN reviews r ON r.book = b.id GROUP BY b.id ORDER BY b.id');
    await h.db.sql(`
      DELETE FROM reviews WHERE id % 2 = 0;
      UPDATE books SET title = upper(title) WHERE id <= 20;
      INSERT INTO audit_log (what) VALUES ('written after the snapshot');`);
    // The snapshot was taken at no version: back to it first.
    const rolledBack = await h.rollback('0');
    expect(rolledBack.rollback.current).toBeNull();

    const restored = await h.restore(first.snapshot!.snapshotId);
    expect(restored.restore.tables.map((t) => [`${t.schema}.${t.table}`, t.rows, t.verified])).toEqual([
      ['public.publishers', 3, true], ['public.authors', 10, true], ['public.books', 50, true], ['public.reviews', 200, true],
    ]);
    expect(await rows('SELECT b.id, b.title, count(r.id)::int AS reviews FROM books b LEFT JOIN reviews r ON r.book = b.id GROUP BY b.id ORDER BY b.id')).toEqual(before);
    expect(await rows('SELECT count(*)::int AS n FROM audit_log')).toEqual([{ n: 101 }]);
  });

  it('a migration that cannot be analysed widens the snapshot to full, saying why', async () => {
    const report = await h.migrate();
    expect(report.migrate.applied.map((m) => m.version)).toEqual(['0001', '0002']);
    expect(report.snapshot).toMatchObject({
      scope: 'full',
      scopeNote: 'migration 0002 cannot be analysed: 0002_recount_reviews/up.sql:1: DO statements are not analysed',
    });
    expect(report.snapshot!.tables.map((t) => t.table)).toEqual([
      'public.audit_log', 'public.authors', 'public.books', 'public.publishers', 'public.reviews', 'public.settings',
    ]);
    expect((await h.readManifest(report.snapshot!.snapshotId)).scope).toBe('full');
    expect((await h.db.sql("SELECT value FROM settings WHERE key = 'review_count'")).rows).toEqual([{ value: '200' }]);
  });
});
