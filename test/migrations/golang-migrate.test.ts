import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileMigrations } from '../../lambda/migrations/compile';
import { MigrationCompileError } from '../../lambda/migrations/compile-error';
import { parseScript } from '../../lambda/migrations/split-statements';
import { loadSqlParser } from '../../lambda/migrations/sql-parser';
import { writeFolder } from '../support/write-folder';

let scratch: string;
beforeAll(async () => {
  await loadSqlParser();
  scratch = await mkdtemp(path.join(os.tmpdir(), 'rds-migrate-golang-'));
});
afterAll(() => rm(scratch, { recursive: true, force: true }));

function folderOf(files: Record<string, string>): Promise<string> {
  return writeFolder(scratch, files);
}

const compile = async (files: Record<string, string>) => compileMigrations(await folderOf(files), { layout: 'golang-migrate' });

/** The message compiling `files` as golang-migrate fails with, the folder replaced by `<dir>`. */
async function failure(files: Record<string, string>): Promise<string> {
  const dir = await folderOf(files);
  const error = await compileMigrations(dir, { layout: 'golang-migrate' }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(MigrationCompileError);
  return (error as MigrationCompileError).message.replaceAll(dir, '<dir>');
}

describe('the golang-migrate reader', () => {
  it('pairs up and down files by version, numerically', async () => {
    const bundle = await compile({
      '000002_add_email.up.sql': 'ALTER TABLE users ADD COLUMN email text',
      '000001_create_users.up.sql': 'CREATE TABLE users (id int)',
      '1_create_users.down.sql': 'DROP TABLE users',
      'README.md': 'notes',
    });
    expect(bundle.migrations.map((m) => [m.version, m.name, m.up.file, m.down?.file ?? null, m.verify ?? null])).toEqual([
      ['000001', 'create_users', '000001_create_users.up.sql', '1_create_users.down.sql', null],
      ['000002', 'add_email', '000002_add_email.up.sql', null, null],
    ]);
  });

  it('refuses what does not fit, naming the file', async () => {
    const cases: Array<[Record<string, string>, string]> = [
      [{ '1_a.up.sql': 'SELECT 1', '2_b.sql': 'SELECT 2' }, '<dir>/2_b.sql: unexpected file in a golang-migrate migrations folder: expected <version>_<name>.up.sql or <version>_<name>.down.sql'],
      [{ '1_a.up.sql': 'SELECT 1', '1.1_b.up.sql': 'SELECT 2' }, '<dir>/1.1_b.up.sql: unexpected file in a golang-migrate migrations folder'],
      [{ '1_a.up.sql': 'SELECT 1', 'sub/2_b.up.sql': 'SELECT 2' }, '<dir>/sub: unexpected folder in a golang-migrate migrations folder'],
      [{ '1_.up.sql': 'SELECT 1' }, '<dir>/1_.up.sql: migration file name "1_.up.sql" has no name after "1_": expected <version>_<name>.up.sql'],
      [{ '1_a.up.sql': 'SELECT 1', '2_b.down.sql': 'SELECT 2' }, '<dir>/2_b.down.sql: down file without an up file: no 2_<name>.up.sql for version 2'],
      [{ '01_a.up.sql': 'SELECT 1', '1_b.up.sql': 'SELECT 2' }, '<dir>/1_b.up.sql: duplicate migration version: "1" is the same version as "01" of <dir>/01_a.up.sql (two up files for one version)'],
    ];
    for (const [files, message] of cases) expect(await failure(files)).toContain(message);
  });
});

describe('a golang-migrate script wrapped in BEGIN; ... COMMIT;', () => {
  it('compiles without the wrapper, as one transactional migration', async () => {
    const bundle = await compile({
      '1_a.up.sql': '-- rds-migrate: lock_timeout=3s\nBEGIN;\nCREATE TABLE a (x int);\nINSERT INTO a VALUES (1);\nCOMMIT;\n',
      '1_a.down.sql': 'START TRANSACTION;\nDROP TABLE a;\nEND;\n',
    });
    const m = bundle.migrations[0];
    expect(m?.up.statements.map((s) => [s.sql, s.line])).toEqual([
      ['CREATE TABLE a (x int)', 3],
      ['INSERT INTO a VALUES (1)', 4],
    ]);
    expect(m?.down?.statements.map((s) => s.sql)).toEqual(['DROP TABLE a']);
    expect(m).toMatchObject({ transactional: true, directives: { lockTimeoutMs: 3000 } });
  });

  it('reports the wrapper\'s lines; without the option, BEGIN is refused', () => {
    expect(parseScript('BEGIN;\nSELECT 1;\n\nCOMMIT;', 'f.sql', { allowTransactionWrapper: true })).toMatchObject({
      statements: [{ sql: 'SELECT 1', line: 2 }],
      wrapper: { beginLine: 1, commitLine: 4 },
    });
    expect(() => parseScript('BEGIN;\nSELECT 1;\nCOMMIT;', 'f.sql')).toThrow(/^f\.sql:1: BEGIN is not allowed in a migration: .*Remove it\.$/);
  });

  it('is refused when it is not a plain wrapper of the whole script', async () => {
    const cases: Array<[string, string]> = [
      ['BEGIN;\nSELECT 1;\n', ':1: BEGIN is not allowed in a migration'],
      ['SELECT 1;\nBEGIN;\nSELECT 2;\nCOMMIT;\n', ':2: BEGIN is not allowed in a migration'],
      ['BEGIN;\nSELECT 1;\nCOMMIT;\nBEGIN;\nSELECT 2;\nCOMMIT;\n', ':1: BEGIN is not allowed in a migration'],
      ['BEGIN ISOLATION LEVEL SERIALIZABLE;\nSELECT 1;\nCOMMIT;\n', ':1: BEGIN is not allowed'],
      ['BEGIN;\nSELECT 1;\nCOMMIT AND CHAIN;\n', ':1: BEGIN is not allowed'],
      ['BEGIN;\nSELECT 1;\nROLLBACK;\n', ':1: BEGIN is not allowed'],
      ['BEGIN;\nSAVEPOINT s;\nSELECT 1;\nCOMMIT;\n', ':1: BEGIN is not allowed'],
    ];
    for (const [up, message] of cases) {
      const text = await failure({ '1_a.up.sql': up });
      expect(text, up).toContain(`<dir>/1_a.up.sql${message}`);
      expect(text, up).toContain('(a script may only wrap its whole content in a plain BEGIN; ... COMMIT;, which is dropped)');
    }
  });

  it('cannot hold a statement that cannot run in a transaction, nor say transaction=off', async () => {
    expect(await failure({ '1_a.up.sql': 'BEGIN;\nCREATE INDEX CONCURRENTLY i ON t (a);\nCOMMIT;' })).toBe(
      '<dir>/1_a.up.sql:2: CREATE INDEX CONCURRENTLY cannot run inside the BEGIN (line 1) ... COMMIT (line 3) this script wraps itself in: ' +
        'remove the BEGIN and COMMIT (the script then runs outside a transaction)',
    );
    expect(await failure({ '1_a.up.sql': 'SELECT 1', '1_a.down.sql': 'BEGIN;\nDROP INDEX CONCURRENTLY i;\nCOMMIT;' })).toContain(
      '<dir>/1_a.down.sql:2: DROP INDEX CONCURRENTLY cannot run inside the BEGIN (line 1) ... COMMIT (line 3)',
    );
    expect(await failure({ '1_a.up.sql': '-- rds-migrate: transaction=off\nBEGIN;\nSELECT 1;\nCOMMIT;' })).toBe(
      '<dir>/1_a.up.sql:2: transaction=off at line 1 contradicts the BEGIN (line 2) ... COMMIT (line 4) this script wraps itself in: remove one of them',
    );
  });

  it('is a golang-migrate convention only: other layouts refuse it', async () => {
    const dir = await folderOf({ '1_a/up.sql': 'BEGIN;\nSELECT 1;\nCOMMIT;' });
    await expect(compileMigrations(dir)).rejects.toThrow(`${path.join(dir, '1_a', 'up.sql')}:1: BEGIN is not allowed in a migration`);
  });
});
