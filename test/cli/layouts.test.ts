import { readdir } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { createProject, type TestProject } from './support/project';
import { runCli } from './support/run-cli';

let project: TestProject;
let db: TestDatabase;
const cli = (...args: string[]) => runCli(args, { cwd: project.dir });

beforeAll(async () => {
  project = await createProject('layouts');
  db = await createTestDatabase('cli_layouts');
});
afterAll(async () => {
  await db.drop();
  await project.dispose();
});

describe('migrations folders in the other layouts the compiler reads', () => {
  it('new writes dbmate files (timestamp versions, up and down sections); migrate applies them', async () => {
    await project.write('dbmate/.gitkeep', '');
    const first = await cli('new', 'create_authors', '--migrations', 'dbmate', '--layout', 'dbmate', '--json');
    expect(first.code).toBe(0);
    const { version, files, layout } = first.json();
    expect(layout).toBe('dbmate');
    expect(version).toMatch(/^\d{14}$/);
    expect(files).toEqual([`dbmate/${version}_create_authors.sql`]);
    expect(await project.read(files[0])).toMatch(/^-- migrate:up\n[\s\S]*\n-- migrate:down\n[\s\S]*RAISE EXCEPTION/);
    // The folder now says dbmate by itself.
    const second = await cli('new', 'add_bio', '--migrations', 'dbmate', '--no-down', '--json');
    expect(second.json()).toMatchObject({ layout: 'dbmate' });
    expect(second.json().version > version).toBe(true);

    await project.write(files[0], '-- migrate:up\nCREATE TABLE authors (id bigint PRIMARY KEY, name text NOT NULL);\n\n-- migrate:down\nDROP TABLE authors;\n');
    await project.write(second.json().files[0], '-- migrate:up\nALTER TABLE authors ADD COLUMN bio text;\n');
    const migrate = await cli('migrate', '--migrations', 'dbmate', '--database-url', db.url, '--json');
    expect(migrate.code).toBe(0);
    expect(migrate.json().migrate.applied.map((m: { name: string }) => m.name)).toEqual(['create_authors', 'add_bio']);
  });

  it('new writes Flyway V/U scripts and golang-migrate up/down pairs, numbered as their tools do', async () => {
    await project.write('flyway/V1_1__init.sql', 'CREATE TABLE books (id bigint PRIMARY KEY);\n');
    const flyway = await cli('new', 'add_title', '--migrations', 'flyway', '--json');
    expect(flyway.code).toBe(0);
    expect(flyway.json()).toMatchObject({ layout: 'flyway', version: '1.2', files: ['flyway/V1_2__add_title.sql', 'flyway/U1_2__add_title.sql'] });

    await project.write('golang/.gitkeep', '');
    const [golang, dotted] = await Promise.all([
      cli('new', 'create_shelves', '--migrations', 'golang', '--layout', 'golang-migrate', '--json'),
      cli('new', 'x', '--migrations', 'golang', '--layout', 'golang-migrate', '--version', '1.5'),
    ]);
    expect(golang.json()).toMatchObject({ layout: 'golang-migrate', version: '000001', files: ['golang/000001_create_shelves.up.sql', 'golang/000001_create_shelves.down.sql'] });
    expect(dotted.code).toBe(4);
    expect(dotted.stderr).toContain('--version: 1.5 has dots, which golang-migrate versions cannot (digits only)');
    expect((await readdir(project.path('golang'))).filter((f) => !f.startsWith('.')).sort()).toEqual(['000001_create_shelves.down.sql', '000001_create_shelves.up.sql']);
  });

  it('status reads a Flyway folder; a folder mixing layouts is bad input (exit 4)', async () => {
    await project.write('flyway/V1_2__add_title.sql', 'ALTER TABLE books ADD COLUMN title text;\n');
    const status = await cli('status', '--migrations', 'flyway', '--database-url', db.url, '--json');
    expect(status.code).toBe(0);
    expect(status.json().pending).toEqual(['1.1', '1.2']);

    await project.write('mixed/0001_a/up.sql', 'SELECT 1;\n');
    await project.write('mixed/0002_b.up.sql', 'SELECT 1;\n');
    const mixed = await cli('plan', '--migrations', 'mixed', '--database-url', db.url, '--json');
    expect(mixed.code).toBe(4);
    expect(mixed.json().error).toMatchObject({ name: 'MigrationCompileError', file: 'mixed' });
    expect(mixed.json().error.message).toContain('mixes migration layouts');
  });

  it('status and plan show the repeatable migrations migrate would apply again: a changed R__ script is not "nothing to migrate"', async () => {
    const repeatables = await createTestDatabase('cli_layouts_repeatable');
    try {
      await project.write('repeatable/V1__create_books.sql', 'CREATE TABLE books (id int PRIMARY KEY, title text);\n');
      await project.write('repeatable/R__book_titles.sql', 'CREATE OR REPLACE VIEW book_titles AS SELECT title FROM books;\n');
      const flags = ['--migrations', 'repeatable', '--database-url', repeatables.url];
      const first = await cli('plan', ...flags, '--json');
      expect(first.code).toBe(0);
      expect(first.json()).toMatchObject({ migrations: [{ version: '1' }], repeatables: [{ name: 'book_titles', state: 'pending', file: 'R__book_titles.sql' }] });
      expect((await cli('migrate', ...flags)).code).toBe(0);
      expect((await cli('plan', ...flags)).stdout).toContain('Nothing to migrate: current version 1.');

      await project.write('repeatable/R__book_titles.sql', 'CREATE OR REPLACE VIEW book_titles AS SELECT title FROM books WHERE title IS NOT NULL;\n');
      const status = await cli('status', ...flags, '--json');
      expect(status.json()).toMatchObject({ current: '1', pending: [], repeatables: [{ name: 'book_titles', state: 'outdated', file: 'R__book_titles.sql' }] });
      const statusText = await cli('status', ...flags);
      expect(statusText.stdout).toMatch(/REPEATABLE +STATE +APPLIED AT\nbook_titles +outdated /);
      expect(statusText.stdout).toContain('No version pending; repeatable to apply: book_titles');
      const changed = await cli('plan', ...flags, '--json');
      expect(changed.json()).toMatchObject({ migrations: [], repeatables: [{ name: 'book_titles', state: 'outdated' }] });
      const text = await cli('plan', ...flags);
      expect(text.stdout).toContain('Plan (migrate): 1 → 1, 0 migration(s), 1 repeatable migration(s)');
      expect(text.stdout).toMatch(/repeatable book_titles \(up, R__book_titles\.sql, one transaction, changed since applied: applied again\)/);
      expect(text.stdout).toContain('WHERE title IS NOT NULL;  -- R__book_titles.sql:1');
      // migrate applies exactly what plan showed.
      const migrated = await cli('migrate', ...flags, '--json');
      expect(migrated.json().migrate.repeatables).toEqual([expect.objectContaining({ name: 'book_titles' })]);
    } finally {
      await repeatables.drop();
    }
  });
});
