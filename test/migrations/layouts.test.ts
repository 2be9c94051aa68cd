import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PgDriver } from '../../lambda/driver/pg/pg-driver';
import { withTransaction } from '../../lambda/driver/transaction';
import type { BundledMigration, BundledScript, MigrationBundle } from '../../lambda/migrations/bundle';
import { compileMigrations } from '../../lambda/migrations/compile';
import { loadBundle } from '../../lambda/migrations/load-bundle';
import { detectLayout } from '../../lambda/migrations/readers/detect-layout';
import { MIGRATION_LAYOUTS, type MigrationLayout } from '../../lambda/migrations/readers/layouts';
import { readMigrationsFolder } from '../../lambda/migrations/readers/read-folder';
import { bundleToJson } from '../../lambda/migrations/write-bundle';
import { createTestDatabase } from '../support/database';
import { writeFolder } from '../support/write-folder';
import { compileError } from '../support/compile-error';

const FORMATS = fileURLToPath(new URL('../fixtures/migrations/formats', import.meta.url));
const formatDir = (layout: MigrationLayout) => path.join(FORMATS, layout);
const sha256 = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');

let scratch: string;
const bundles = {} as Record<MigrationLayout, MigrationBundle>;
beforeAll(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), 'rds-migrate-layouts-'));
  for (const layout of MIGRATION_LAYOUTS) bundles[layout] = await compileMigrations(formatDir(layout));
});
afterAll(() => rm(scratch, { recursive: true, force: true }));

/** A migrations folder made of `files` (relative path → content). */
function folderOf(files: Record<string, string>): Promise<string> {
  return writeFolder(scratch, files);
}

/** What must be the same whatever the layout: versions, names, transaction mode, statements. */
function essence(m: BundledMigration) {
  const statements = (s: BundledScript | undefined) => s?.statements.map(({ sql, nonTransactional }) => ({ sql, nonTransactional }));
  return { version: m.version, name: m.name, transactional: m.transactional, up: statements(m.up), down: statements(m.down) };
}

describe('the same migrations in every layout', () => {
  it('are detected as their layout', async () => {
    for (const layout of MIGRATION_LAYOUTS) expect(await detectLayout(formatDir(layout))).toBe(layout);
  });

  it('compile to the same versions, names, statements and transaction modes', () => {
    const expected = bundles.native.migrations.map(essence);
    expect(expected.map((m) => [m.version, m.name, m.transactional])).toEqual([
      ['20240101120000', 'create_authors', true],
      ['20240102090000', 'create_books', true],
      ['20240103170000', 'index_books_by_title', false],
    ]);
    expect(expected[1]?.up?.map((s) => s.sql.split('\n')[0])).toEqual([
      'CREATE TABLE books (',
      'CREATE FUNCTION book_slug(title text) RETURNS text',
      'INSERT INTO books (author_id, title)',
    ]);
    for (const layout of MIGRATION_LAYOUTS) expect(bundles[layout].migrations.map(essence), layout).toEqual(expected);
  });

  it('read the header directives in every layout, and the layout\'s own transaction setting', () => {
    for (const layout of MIGRATION_LAYOUTS) {
      expect(bundles[layout].migrations[1]?.directives, layout).toEqual({ lockTimeoutMs: 2000, statementTimeoutMs: 60_000, retries: 2 });
    }
    // dbmate's `transaction:false` and Flyway's `executeInTransaction=false` are recorded; native and golang-migrate detect it.
    expect(MIGRATION_LAYOUTS.map((layout) => bundles[layout].migrations[2]?.directives)).toEqual([
      undefined,
      undefined,
      { transaction: false },
      { transaction: false },
    ]);
  });

  it('record each layout\'s file names, and lines of the file they come from', () => {
    expect(MIGRATION_LAYOUTS.map((layout) => [bundles[layout].migrations[2]?.up.file, bundles[layout].migrations[2]?.down?.file])).toEqual([
      ['20240103170000_index_books_by_title/up.sql', '20240103170000_index_books_by_title/down.sql'],
      ['20240103170000_index_books_by_title.up.sql', '20240103170000_index_books_by_title.down.sql'],
      ['indexes/V20240103170000__index_books_by_title.sql', 'indexes/U20240103170000__index_books_by_title.sql'],
      ['20240103170000_index_books_by_title.sql', '20240103170000_index_books_by_title.sql'],
    ]);
    // golang-migrate: after the header and BEGIN; dbmate: the down section's lines are the file's.
    expect(bundles['golang-migrate'].migrations[1]?.up.statements.map((s) => s.line)).toEqual([6, 12, 17]);
    expect(bundles.dbmate.migrations[1]?.down?.statements.map((s) => s.line)).toEqual([22, 23]);
    expect(bundles.dbmate.migrations[0]?.down?.statements.map((s) => s.line)).toEqual([10]);
  });

  it('checksum each script\'s bytes: a dbmate section on its own, from its marker line', async () => {
    const flyway = bundles.flyway.migrations[0];
    expect(flyway?.checksum).toBe(sha256(await readFile(path.join(formatDir('flyway'), 'V20240101120000__create_authors.sql'))));
    const text = await readFile(path.join(formatDir('dbmate'), '20240101120000_create_authors.sql'), 'utf8');
    const down = text.indexOf('-- migrate:down');
    expect(bundles.dbmate.migrations[0]?.checksum).toBe(sha256(text.slice(0, down)));
    expect(bundles.dbmate.migrations[0]?.down?.checksum).toBe(sha256(text.slice(down)));
  });

  it('give only native migrations verify scripts, and only Flyway repeatables', () => {
    expect(MIGRATION_LAYOUTS.map((layout) => bundles[layout].migrations.filter((m) => m.verify).length)).toEqual([1, 0, 0, 0]);
    expect(MIGRATION_LAYOUTS.map((layout) => bundles[layout].repeatables?.map((r) => r.name))).toEqual([
      undefined,
      undefined,
      ['author_book_counts', 'book_slugs'],
      undefined,
    ]);
  });

  it('survive the bundle JSON round trip through loadBundle', () => {
    for (const layout of MIGRATION_LAYOUTS) expect(loadBundle(JSON.parse(bundleToJson(bundles[layout]))), layout).toEqual(bundles[layout]);
  });

  it('apply, and revert, the same way on PostgreSQL', async () => {
    const db = await createTestDatabase('layouts');
    try {
      const driver = db.driver();
      const run = async (script: BundledScript, transactional: boolean) => {
        if (transactional) {
          await withTransaction(driver, async (tx) => {
            for (const s of script.statements) await tx.execute(s.sql);
          });
        } else {
          for (const s of script.statements) await driver.execute(s.sql);
        }
      };
      const snapshot = async () => ({
        books: (await driver.execute('SELECT a.name, b.title, book_slug(b.title) AS slug FROM books b JOIN authors a ON a.id = b.author_id ORDER BY b.id')).rows,
        indexes: (await driver.execute("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY indexname")).rows,
        invalid: (await driver.execute('SELECT count(*)::int AS n FROM pg_index WHERE NOT indisvalid')).rows,
      });

      let first: unknown;
      for (const layout of MIGRATION_LAYOUTS) {
        const bundle = bundles[layout];
        for (const m of bundle.migrations) await run(m.up, m.transactional);
        for (const r of bundle.repeatables ?? []) await run(r.up, r.transactional);
        const state = await snapshot();
        first ??= state;
        expect(state, layout).toEqual(first);

        if (layout === 'flyway') {
          expect((await driver.execute('SELECT name, books::int AS books FROM author_book_counts ORDER BY name')).rows).toEqual([
            { name: 'Stanisław Lem', books: 1 },
            { name: 'Ursula K. Le Guin', books: 1 },
          ]);
          expect((await driver.execute('SELECT slug FROM book_slugs ORDER BY id')).rows).toEqual([
            { slug: 'the-dispossessed-an-ambiguous-utopia' },
            { slug: 'solaris' },
          ]);
          await driver.execute('DROP VIEW book_slugs, author_book_counts'); // repeatables have no undo
        }
        for (const m of [...bundle.migrations].reverse()) {
          const down = m.down as BundledScript;
          await run(down, !down.statements.some((s) => s.nonTransactional));
        }
        expect((await driver.execute("SELECT to_regclass('authors') IS NULL AND to_regclass('books') IS NULL AS gone")).rows, layout).toEqual([{ gone: true }]);
      }
      expect(first).toEqual({
        books: [
          { name: 'Ursula K. Le Guin', title: 'The Dispossessed; an ambiguous utopia', slug: 'the-dispossessed-an-ambiguous-utopia' },
          { name: 'Stanisław Lem', title: 'Solaris', slug: 'solaris' },
        ],
        indexes: [
          { indexname: 'authors_name_key', indexdef: 'CREATE UNIQUE INDEX authors_name_key ON public.authors USING btree (name)' },
          { indexname: 'authors_pkey', indexdef: 'CREATE UNIQUE INDEX authors_pkey ON public.authors USING btree (id)' },
          { indexname: 'books_pkey', indexdef: 'CREATE UNIQUE INDEX books_pkey ON public.books USING btree (id)' },
          { indexname: 'books_title_idx', indexdef: 'CREATE INDEX books_title_idx ON public.books USING btree (title)' },
        ],
        invalid: [{ n: 0 }],
      });
    } finally {
      await db.drop();
    }
  });
});

describe('layout detection', () => {
  it('refuses a folder mixing layouts, naming an entry of each', async () => {
    const dir = await folderOf({
      '1_create_users/up.sql': 'CREATE TABLE users (id int)',
      '2_create_teams.up.sql': 'CREATE TABLE teams (id int)',
      'V3__create_roles.sql': 'CREATE TABLE roles (id int)',
    });
    const error = await compileError(dir);
    expect(error.file).toBe(dir);
    expect(error.message).toBe(
      `${dir}: mixes migration layouts: 1_create_users/ (native: one folder per migration, <version>_<name>/ holding up.sql ` +
        '(and optionally down.sql, verify.sql)); 2_create_teams.up.sql (golang-migrate: files <version>_<name>.up.sql and ' +
        '<version>_<name>.down.sql); V3__create_roles.sql (flyway: files V<version>__<description>.sql, ' +
        'U<version>__<description>.sql and R__<description>.sql). A migrations folder holds one layout: rename or move the ' +
        'entries of the other layouts (name the layout you mean with the layout option to list what does not fit it)',
    );
  });

  it('tells golang-migrate from dbmate files, and finds Flyway scripts in sub-folders', async () => {
    const mixed = await folderOf({ '1_a.up.sql': 'SELECT 1', '2_b.sql': '-- migrate:up\nSELECT 2' });
    expect((await compileError(mixed)).message).toMatch(/mixes migration layouts: 1_a\.up\.sql \(golang-migrate: .*\); 2_b\.sql \(dbmate: /);
    const nested = await folderOf({ 'NOTES.md': '# notes', 'v1/V1__a.sql': 'SELECT 1', 'v1/deeper/V2__b.sql': 'SELECT 2' });
    expect(await detectLayout(nested)).toBe('flyway');
    expect((await compileMigrations(nested)).migrations.map((m) => [m.version, m.up.file])).toEqual([
      ['1', 'v1/V1__a.sql'],
      ['2', 'v1/deeper/V2__b.sql'],
    ]);
    // A Flyway sub-folder beside native migration folders is a mix too.
    const nativeAndFlyway = await folderOf({ '1_a/up.sql': 'SELECT 1', 'sql/V2__b.sql': 'SELECT 2' });
    expect((await compileError(nativeAndFlyway)).message).toMatch(/mixes migration layouts: 1_a\/ \(native: .*\); sql\/V2__b\.sql \(flyway: /);
  });

  it('reads an empty folder, or one without evidence, as native (whose reader names what does not fit)', async () => {
    expect(await detectLayout(await folderOf({}))).toBe('native');
    const odd = await folderOf({ 'schema.sql': 'SELECT 1' });
    expect(await detectLayout(odd)).toBe('native');
    expect((await compileError(odd)).message).toBe(`${path.join(odd, 'schema.sql')}: unexpected file in the migrations folder: each migration is a folder <version>_<name>/ holding up.sql (and optionally down.sql, verify.sql), e.g. 0001_create_users/up.sql`);
  });

  it('is skipped when the layout is named: then every entry that does not fit is refused', async () => {
    const error = await compileError(formatDir('golang-migrate'), 'dbmate');
    expect(error.message).toBe(
      `${path.join(formatDir('golang-migrate'), '20240101120000_create_authors.down.sql')}:1: SQL before the "-- migrate:up" marker: ` +
        'a dbmate migration holds its change after "-- migrate:up" (only comments and blank lines may come before it)',
    );
    expect((await readMigrationsFolder(formatDir('flyway'), { layout: 'flyway' })).layout).toBe('flyway');
    await expect(readMigrationsFolder(FORMATS, { layout: 'sqitch' as MigrationLayout })).rejects.toThrow(
      'layout must be "auto" or one of "native", "golang-migrate", "flyway", "dbmate", got "sqitch"',
    );
  });
});
