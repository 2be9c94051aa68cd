import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileMigrations } from '../../lambda/migrations/compile';
import { MigrationCompileError } from '../../lambda/migrations/compile-error';
import { parseFlywayName } from '../../lambda/migrations/readers/flyway-names';
import { writeFolder } from '../support/write-folder';

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), 'rds-migrate-flyway-'));
});
afterAll(() => rm(scratch, { recursive: true, force: true }));

function folderOf(files: Record<string, string>): Promise<string> {
  return writeFolder(scratch, files);
}

/** Compiles `files` as a Flyway folder (named, so a single odd file is not read as another layout). */
const compile = async (files: Record<string, string>) => compileMigrations(await folderOf(files), { layout: 'flyway' });

async function failure(files: Record<string, string>): Promise<{ dir: string; error: MigrationCompileError }> {
  const dir = await folderOf(files);
  const error = await compileMigrations(dir, { layout: 'flyway' }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(MigrationCompileError);
  return { dir, error: error as MigrationCompileError };
}

describe('Flyway file names', () => {
  it('read the version, underscores separating its parts', () => {
    expect(parseFlywayName('V1_1__add_status.sql')).toEqual({ kind: 'versioned', version: '1.1', description: 'add_status' });
    expect(parseFlywayName('V2__create_users.sql')).toEqual({ kind: 'versioned', version: '2', description: 'create_users' });
    expect(parseFlywayName('V1.2.3__x.sql')).toEqual({ kind: 'versioned', version: '1.2.3', description: 'x' });
    expect(parseFlywayName('V1_2.3__x.sql')).toEqual({ kind: 'versioned', version: '1.2.3', description: 'x' });
    expect(parseFlywayName('V001__x.sql')).toEqual({ kind: 'versioned', version: '001', description: 'x' });
    expect(parseFlywayName('V20240115113556__Create users table.sql')).toEqual({
      kind: 'versioned',
      version: '20240115113556',
      description: 'Create users table',
    });
    // The version ends at the first "__": the rest, underscores included, is the description.
    expect(parseFlywayName('V1___x__y.sql')).toEqual({ kind: 'versioned', version: '1', description: '_x__y' });
  });

  it('read undo, repeatable and script configuration names', () => {
    expect(parseFlywayName('U1_1__add_status.sql')).toEqual({ kind: 'undo', version: '1.1', description: 'add_status' });
    expect(parseFlywayName('R__refresh_views.sql')).toEqual({ kind: 'repeatable', description: 'refresh_views' });
    expect(parseFlywayName('V3__index.sql.conf')).toEqual({ kind: 'config', script: 'V3__index.sql' });
  });

  it('refuse, with the reason, Flyway names rds-migrate cannot run', () => {
    const reasons: Array<[string, string]> = [
      ['V__x.sql', 'no version after "V": expected V<version>__x.sql, e.g. V1.2__x.sql'],
      ['V1.a__x.sql', 'could not recognise version number "1.a"'],
      ['V1..2__x.sql', 'could not recognise version number "1..2"'],
      ['V1.__x.sql', 'could not recognise version number "1."'],
      ['V1__.sql', 'no description after "__": expected V1__<description>.sql'],
      ['R1__x.sql', 'a repeatable migration has no version: expected R__x.sql'],
      ['B5__baseline.sql', 'Flyway baseline migrations (B<version>__) are not supported'],
      ['beforeMigrate.sql', 'Flyway callback scripts (beforeMigrate.sql, afterMigrate.sql, ...) are not supported'],
      ['afterEachMigrate__log.sql', 'Flyway callback scripts'],
    ];
    for (const [name, reason] of reasons) {
      const parsed = parseFlywayName(name);
      expect(parsed?.kind, name).toBe('invalid');
      expect(parsed && 'reason' in parsed ? parsed.reason : '', name).toContain(reason);
    }
  });

  it('are not Flyway names without the upper-case prefix and the "__" separator', () => {
    for (const name of ['v1__x.sql', 'V1_x.sql', 'R_x.sql', '1_x.sql', 'Views.sql', 'V1__x.txt', 'NOTES.md']) {
      expect(parseFlywayName(name), name).toBeUndefined();
    }
  });
});

describe('the Flyway reader', () => {
  it('orders versions numerically per part, pairs undo scripts by version, and has no verify scripts', async () => {
    const bundle = await compile({
      'V1__create_users.sql': 'CREATE TABLE users (id int)',
      'V1_1__add_email.sql': 'ALTER TABLE users ADD COLUMN email text',
      'V1_10__add_name.sql': 'ALTER TABLE users ADD COLUMN name text',
      'V1.2__add_age.sql': 'ALTER TABLE users ADD COLUMN age int',
      'V2__create_teams.sql': 'CREATE TABLE teams (id int)',
      'U01.1__add_email.sql': 'ALTER TABLE users DROP COLUMN email',
    });
    expect(bundle.migrations.map((m) => [m.version, m.name, m.down?.file ?? null, m.verify ?? null])).toEqual([
      ['1', 'create_users', null, null],
      ['1.1', 'add_email', 'U01.1__add_email.sql', null],
      ['1.2', 'add_age', null, null],
      ['1.10', 'add_name', null, null],
      ['2', 'create_teams', null, null],
    ]);
  });

  it('orders repeatables by description, "_" read as a space, as Flyway does', async () => {
    const bundle = await compile({
      'V1__t.sql': 'CREATE TABLE t (a int)',
      'R__b.sql': 'SELECT 4',
      'R__a-b.sql': 'SELECT 3',
      'R__a_b.sql': 'SELECT 2',
      'R__A.sql': 'SELECT 1',
    });
    // "A" < "a b" < "a-b" < "b": a space sorts before "-", which sorts before "_".
    expect(bundle.repeatables?.map((r) => [r.name, r.up.file, r.up.statements[0]?.sql])).toEqual([
      ['A', 'R__A.sql', 'SELECT 1'],
      ['a_b', 'R__a_b.sql', 'SELECT 2'],
      ['a-b', 'R__a-b.sql', 'SELECT 3'],
      ['b', 'R__b.sql', 'SELECT 4'],
    ]);
    expect(bundle.repeatables?.every((r) => r.transactional && r.checksum === r.up.checksum)).toBe(true);
  });

  it('reads directives of repeatables from their header and configuration file', async () => {
    const bundle = await compile({
      'R__maintenance.sql': '-- rds-migrate: lock_timeout=1s\nCREATE OR REPLACE VIEW v AS SELECT 1 AS one;',
      'R__reindex.sql': 'REINDEX INDEX CONCURRENTLY t_a_idx;',
      'R__reindex.sql.conf': 'executeInTransaction=false\n',
    });
    expect(bundle.repeatables?.map((r) => [r.name, r.transactional, r.directives])).toEqual([
      ['maintenance', true, { lockTimeoutMs: 1000 }],
      ['reindex', false, { transaction: false }],
    ]);
  });

  it('reads executeInTransaction from a script configuration file; the bundle checksum follows it', async () => {
    const files = { 'V1__backfill.sql': 'UPDATE t SET a = 1;\nUPDATE t SET b = 2;' };
    const plain = await compile(files);
    const off = await compile({ ...files, 'V1__backfill.sql.conf': '# comment\n! another\n\nencoding = UTF-8\nexecuteInTransaction = false\n' });
    const on = await compile({ ...files, 'V1__backfill.sql.conf': 'executeInTransaction=true' });
    expect([plain, off, on].map((b) => [b.migrations[0]?.transactional, b.migrations[0]?.directives])).toEqual([
      [true, undefined],
      [false, { transaction: false }],
      [true, { transaction: true }],
    ]);
    expect(off.migrations[0]?.checksum).toBe(plain.migrations[0]?.checksum);
    expect(new Set([plain.checksum, off.checksum, on.checksum]).size).toBe(3);
  });

  it('refuses script configuration it cannot honour, naming the line', async () => {
    const cases: Array<[string, string]> = [
      ['shouldExecute=false', '1: script configuration "shouldExecute" is not supported: rds-migrate reads only executeInTransaction (and encoding=UTF-8)'],
      ['\nexecuteInTransaction=no', '2: executeInTransaction must be true or false, got "no"'],
      ['executeInTransaction=false\nexecuteInTransaction=false', '2: executeInTransaction is given twice (first at line 1)'],
      ['encoding=ISO-8859-1', '1: encoding=ISO-8859-1 is not supported: rds-migrate reads migrations as UTF-8'],
      ['executeInTransaction', '1: malformed script configuration line "executeInTransaction": expected key=value'],
    ];
    for (const [conf, message] of cases) {
      const { dir, error } = await failure({ 'V1__a.sql': 'SELECT 1', 'V1__a.sql.conf': conf });
      expect(error.message).toContain(`${path.join(dir, 'V1__a.sql.conf')}:${message}`);
    }
    const onWithConcurrently = await failure({ 'V1__a.sql': 'CREATE INDEX CONCURRENTLY i ON t (a)', 'V1__a.sql.conf': 'executeInTransaction=true' });
    expect(onWithConcurrently.error.message).toContain(
      `CREATE INDEX CONCURRENTLY cannot run inside a transaction block, but executeInTransaction=true at ${path.join(onWithConcurrently.dir, 'V1__a.sql.conf')}:1 asks for one transaction`,
    );
  });

  it('refuses placeholders, which it would not replace, at their line and column', async () => {
    const { dir, error } = await failure({ 'V1__a.sql': "SELECT 1;\nINSERT INTO ${schema}.t VALUES ('x');" });
    expect(error.message).toBe(
      `${path.join(dir, 'V1__a.sql')}:2:13: Flyway placeholder \${schema}: rds-migrate runs the SQL as written and does not replace placeholders; write the value in the script instead`,
    );
    expect((await failure({ 'R__a.sql': "-- owner: ${flyway:user}\nSELECT 1" })).error.message).toContain(':1:11: Flyway placeholder ${flyway:user}');
  });

  it('refuses what does not fit the layout, naming the file', async () => {
    const cases: Array<[Record<string, string>, string, string]> = [
      [{ 'V1__a.sql': 'SELECT 1', 'notes.txt': 'x' }, 'notes.txt', 'unexpected file in a Flyway migrations folder: expected V<version>__<description>.sql'],
      [{ 'V1__a.sql': 'SELECT 1', 'sub/V2_b.sql': 'x' }, 'sub/V2_b.sql', 'unexpected file in a Flyway migrations folder'],
      [{ 'V1__a.sql': 'SELECT 1', 'afterMigrate.sql': 'x' }, 'afterMigrate.sql', 'bad Flyway file name "afterMigrate.sql": Flyway callback scripts'],
      [{ 'V1.x__a.sql': 'SELECT 1' }, 'V1.x__a.sql', 'bad Flyway file name "V1.x__a.sql": could not recognise version number "1.x"'],
      [{ 'U1__a.sql': 'SELECT 1' }, 'U1__a.sql', 'undo script without a versioned script: no V1__<description>.sql for version 1'],
      [{ 'V1__a.sql': 'SELECT 1', 'U1__a.sql': 'SELECT 2', 'U01__b.sql': 'SELECT 3' }, 'U1__a.sql', 'second undo script for version 1'],
      [{ 'V1__a.sql': 'SELECT 1', 'V2__b.sql.conf': 'executeInTransaction=false' }, 'V2__b.sql.conf', 'script configuration without its script: no V2__b.sql beside it'],
      [{ 'V1__a.sql': 'SELECT 1', 'V1.0__b.sql': 'SELECT 2' }, 'V1__a.sql', 'duplicate migration version: "1" is the same version as "1.0"'],
      [{ 'R__a_b.sql': 'SELECT 1', 'R__a b.sql': 'SELECT 2' }, 'R__a_b.sql', 'duplicate repeatable migration: "a_b" has the same description as "a b"'],
      [{ 'R__a.sql': '-- nothing yet' }, 'R__a.sql', 'the repeatable migration has no SQL statement'],
    ];
    for (const [files, at, message] of cases) {
      const { dir, error } = await failure(files);
      expect(error.message, at).toContain(`${path.join(dir, ...at.split('/'))}: ${message}`);
    }
  });
});
