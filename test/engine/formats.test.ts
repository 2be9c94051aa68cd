/**
 * Every folder layout the compiler reads, applied through the engine from the fixture folders
 * (`test/fixtures/migrations/formats/<layout>`: the same three migrations written four ways): migrate,
 * status, rollback and redo end in the same database whatever the layout.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrate } from '../../lambda/engine/commands/migrate';
import { rollback } from '../../lambda/engine/commands/rollback';
import { status } from '../../lambda/engine/commands/status';
import { MigrationError } from '../../lambda/engine/errors';
import { compileMigrations } from '../../lambda/migrations/compile';
import type { PgDriver } from '../../lambda/driver/pg/pg-driver';
import { createTestDatabase, type TestDatabase } from '../support/database';

const FORMATS = 'test/fixtures/migrations/formats';
const VERSIONS = ['20240101120000', '20240102090000', '20240103170000'];

let db: TestDatabase;
let driver: PgDriver;

beforeEach(async () => {
  db = await createTestDatabase('engine_formats');
  driver = db.driver();
});
afterEach(() => db.drop());

/** What the three migrations leave: tables, function, index validity, rows, slugs. */
async function catalogue() {
  const tables = await db.sql("SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'v') ORDER BY 1");
  const index = await db.sql("SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = 'books_title_idx'");
  const fn = await db.sql("SELECT count(*)::int AS n FROM pg_proc WHERE proname = 'book_slug'");
  const books = (await db.sql("SELECT to_regclass('books') IS NOT NULL AS e")).rows[0].e
    ? (await db.sql('SELECT a.name, b.title, book_slug(b.title) AS slug FROM books b JOIN authors a ON a.id = b.author_id ORDER BY b.id')).rows
    : [];
  return { relations: tables.rows.map((r) => r.relname), indexValid: index.rows[0]?.indisvalid ?? null, slugFunction: fn.rows[0].n, books };
}

const applied = {
  relations: ['authors', 'books'],
  indexValid: true,
  slugFunction: 1,
  books: [
    { name: 'Ursula K. Le Guin', title: 'The Dispossessed; an ambiguous utopia', slug: 'the-dispossessed-an-ambiguous-utopia' },
    { name: 'Stanisław Lem', title: 'Solaris', slug: 'solaris' },
  ],
};

describe.each(['native', 'golang-migrate', 'dbmate'])('the %s layout', (layout) => {
  it('migrates, rolls back to 0 and migrates again', async () => {
    const bundle = await compileMigrations(`${FORMATS}/${layout}`);
    expect(bundle.migrations.map((m) => m.version)).toEqual(VERSIONS);
    const report = await migrate(driver, bundle, { appliedBy: 't' });
    expect(report.applied.map((a) => [a.version, a.statements])).toEqual([
      [VERSIONS[0], 2],
      [VERSIONS[1], 3],
      [VERSIONS[2], 1],
    ]);
    expect(await catalogue()).toEqual(applied);
    expect((await status(driver, bundle)).migrations.map((m) => m.state)).toEqual(['applied', 'applied', 'applied']);

    const back = await rollback(driver, bundle, { appliedBy: 't', targetVersion: '0' });
    expect(back.reverted.map((r) => r.version)).toEqual([...VERSIONS].reverse());
    expect(await catalogue()).toEqual({ relations: [], indexValid: null, slugFunction: 0, books: [] });
    expect((await status(driver, bundle)).pending).toHaveLength(3);

    expect((await migrate(driver, bundle, { appliedBy: 't' })).applied).toHaveLength(3);
    expect(await catalogue()).toEqual(applied);
  });
});

describe('the flyway layout', () => {
  it('applies the versioned migrations, then the repeatable ones; undo scripts revert', async () => {
    const bundle = await compileMigrations(`${FORMATS}/flyway`);
    const report = await migrate(driver, bundle, { appliedBy: 't' });
    expect(report.applied.map((a) => a.version)).toEqual(VERSIONS);
    expect(report.repeatables.map((r) => r.name)).toEqual(['author_book_counts', 'book_slugs']);
    expect(await catalogue()).toEqual({ ...applied, relations: ['author_book_counts', 'authors', 'book_slugs', 'books'] });
    expect((await db.sql('SELECT name, books::int FROM author_book_counts ORDER BY name')).rows).toEqual([
      { name: 'Stanisław Lem', books: 1 },
      { name: 'Ursula K. Le Guin', books: 1 },
    ]);
    const history = await db.sql('SELECT version, name, type FROM rds_migrate.schema_history ORDER BY installed_rank');
    expect(history.rows.slice(3)).toEqual([
      { version: '', name: 'author_book_counts', type: 'repeatable' },
      { version: '', name: 'book_slugs', type: 'repeatable' },
    ]);

    // The index migration (executeInTransaction=false in its .conf) reverts and comes back.
    expect((await rollback(driver, bundle, { appliedBy: 't', targetVersion: VERSIONS[1]! })).reverted.map((r) => r.version)).toEqual([VERSIONS[2]]);
    expect((await catalogue()).indexValid).toBeNull();
    expect(await migrate(driver, bundle, { appliedBy: 't' })).toMatchObject({ applied: [{ version: VERSIONS[2] }], repeatables: [] });

    // Rolling back further runs into the views of the repeatable migrations, which rollback leaves
    // in place (as Flyway's undo does): the undo script fails, naming its file and the SQLSTATE.
    const error = await rollback(driver, bundle, { appliedBy: 't', targetVersion: '0' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationError);
    expect([(error as MigrationError).version, (error as MigrationError).sqlState]).toEqual([VERSIONS[1], '2BP01']);
    expect((error as MigrationError).file).toMatch(/U20240102090000__create_books\.sql$/);
    expect((error as MigrationError).completed).toEqual([VERSIONS[2]]);
  });
});
