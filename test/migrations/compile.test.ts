import { createHash } from 'node:crypto';
import { cp, mkdtemp, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PgDriver } from '../../lambda/driver/pg/pg-driver';
import { withTransaction } from '../../lambda/driver/transaction';
import type { BundledScript, MigrationBundle } from '../../lambda/migrations/bundle';
import { compileMigrations, compileSources, DATA_API_MAX_SQL_CHARACTERS } from '../../lambda/migrations/compile';
import { MigrationCompileError } from '../../lambda/migrations/compile-error';
import type { MigrationSource } from '../../lambda/migrations/migration-source';
import { loadSqlParser } from '../../lambda/migrations/sql-parser';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { writeFolder } from '../support/write-folder';
import { compileError } from '../support/compile-error';

const FIXTURES = fileURLToPath(new URL('../fixtures/migrations', import.meta.url));
const fixture = (name: string) => path.join(FIXTURES, name);
const sha256 = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');

let scratch: string;
beforeAll(async () => {
  await loadSqlParser(); // compileSources needs it; compileMigrations loads it itself
  scratch = await mkdtemp(path.join(os.tmpdir(), 'rds-migrate-compile-'));
});
afterAll(() => rm(scratch, { recursive: true, force: true }));

/** A fresh copy of a fixture folder, to edit. */
async function copyOf(name: string): Promise<string> {
  const dir = await mkdtemp(path.join(scratch, `${name}-`));
  await cp(fixture(name), dir, { recursive: true });
  return dir;
}

/** A migrations folder made of `files` (relative path → content). */
function folderOf(files: Record<string, string | Buffer>): Promise<string> {
  return writeFolder(scratch, files);
}

describe('compileMigrations on a valid folder', () => {
  let bundle: MigrationBundle;
  beforeAll(async () => {
    bundle = await compileMigrations(fixture('valid'));
  });

  it('orders migrations by version, numerically per dot group', () => {
    expect(bundle.formatVersion).toBe(1);
    expect(bundle.migrations.map((m) => `${m.version}_${m.name}`)).toEqual([
      '1_create_accounts',
      '1.2_add_account_status',
      '1.10_add_audit_log',
      '2_seed_accounts',
      '10_index_accounts_by_email',
    ]);
  });

  it('records scripts by relative path, with sha256 checksums of the file bytes', async () => {
    for (const m of bundle.migrations) {
      const scripts = [m.up, m.down, m.verify].filter((s): s is BundledScript => s !== undefined);
      for (const script of scripts) {
        expect(script.file).toMatch(new RegExp(`^${m.version.replaceAll('.', '\\.')}_${m.name}/(up|down|verify)\\.sql$`));
        expect(script.checksum).toBe(sha256(await readFile(path.join(fixture('valid'), script.file))));
      }
      expect(m.checksum).toBe(m.up.checksum);
    }
    const first = bundle.migrations[0];
    expect([first?.down?.file, first?.verify?.file]).toEqual(['1_create_accounts/down.sql', '1_create_accounts/verify.sql']);
    expect(bundle.migrations[1]?.down).toBeUndefined();
    expect(bundle.migrations[1]?.verify).toBeUndefined();
  });

  it('splits scripts into statements with their lines', () => {
    const create = bundle.migrations[0]?.up.statements ?? [];
    expect(create.map((s) => [s.sql.split('\n')[0], s.line])).toEqual([
      ['CREATE TABLE accounts (', 2],
      ['CREATE FUNCTION normalize_email(raw text) RETURNS text', 9],
    ]);
    expect(create[1]?.sql).toContain('-- a semicolon inside the body: ;');
    expect(bundle.migrations[2]?.up.statements).toHaveLength(2);
  });

  it('marks a migration of non-transactional statements as not transactional', () => {
    expect(bundle.migrations.map((m) => m.transactional)).toEqual([true, true, true, true, false]);
    expect(bundle.migrations[4]?.up.statements.map((s) => s.nonTransactional)).toEqual([true]);
  });

  it('applies, verifies and reverts on PostgreSQL', async () => {
    const db: TestDatabase = await createTestDatabase('compile');
    try {
      const driver: PgDriver = db.driver();
      const run = async (script: BundledScript, transactional: boolean) => {
        if (transactional) {
          await withTransaction(driver, async (tx) => {
            for (const s of script.statements) await tx.execute(s.sql);
          });
        } else {
          for (const s of script.statements) await driver.execute(s.sql);
        }
      };
      for (const m of bundle.migrations) await run(m.up, m.transactional);

      const { rows } = await driver.execute(
        'SELECT email, display_name, status::text AS status FROM accounts ORDER BY id',
      );
      expect(rows).toEqual([
        { email: 'ada@example.com', display_name: 'Ada; Countess of Lovelace', status: 'active' },
        { email: 'bob@example.com', display_name: "Bob 'the builder'; ok", status: 'active' },
        { email: 'zoë@example.com', display_name: 'Zoë -- not a comment', status: 'active' },
      ]);
      expect((await driver.execute('SELECT note FROM audit_log')).rows).toEqual([{ note: 'created by 1.10; inside a DO block' }]);
      for (const s of bundle.migrations[0]?.verify?.statements ?? []) {
        expect(Object.values((await driver.execute(s.sql)).rows[0] ?? {})).toEqual([true]);
      }

      const reversible = bundle.migrations.filter((m) => m.down).reverse();
      for (const m of reversible) await run(m.down as BundledScript, !m.down?.statements.some((s) => s.nonTransactional));
      expect((await driver.execute("SELECT to_regclass('accounts') IS NULL AS gone")).rows).toEqual([{ gone: true }]);
    } finally {
      await db.drop();
    }
  });
});

describe('checksums', () => {
  it('are the same for the same files', async () => {
    const [a, b] = await Promise.all([compileMigrations(fixture('valid')), compileMigrations(await copyOf('valid'))]);
    expect(b).toEqual(a);
  });

  it('follow every edit: an up script changes its migration and the bundle, a down script only the bundle', async () => {
    const original = await compileMigrations(fixture('valid'));
    const dir = await copyOf('valid');
    const upFile = path.join(dir, '2_seed_accounts/up.sql');
    await writeFile(upFile, (await readFile(upFile, 'utf8')).replace('Lovelace', 'Lovelace.'));
    const editedUp = await compileMigrations(dir);
    expect(editedUp.migrations[3]?.checksum).not.toBe(original.migrations[3]?.checksum);
    expect(editedUp.checksum).not.toBe(original.checksum);
    expect(editedUp.migrations.filter((_, i) => i !== 3)).toEqual(original.migrations.filter((_, i) => i !== 3));

    const downFile = path.join(dir, '1_create_accounts/down.sql');
    await writeFile(downFile, `${await readFile(downFile, 'utf8')}-- a comment\n`);
    const editedDown = await compileMigrations(dir);
    expect(editedDown.migrations[0]?.checksum).toBe(original.migrations[0]?.checksum);
    expect(editedDown.migrations[0]?.down?.checksum).not.toBe(original.migrations[0]?.down?.checksum);
    expect(editedDown.checksum).not.toBe(editedUp.checksum);
  });

  it('cover the bytes: line endings count, and a renamed migration changes the bundle', async () => {
    const original = await compileMigrations(fixture('valid'));
    const dir = await copyOf('valid');
    const file = path.join(dir, '1.2_add_account_status/up.sql');
    await writeFile(file, (await readFile(file, 'utf8')).replaceAll('\n', '\r\n'));
    const crlf = await compileMigrations(dir);
    expect(crlf.migrations[1]?.checksum).not.toBe(original.migrations[1]?.checksum);
    expect(crlf.migrations[1]?.up.statements.map((s) => s.line)).toEqual([1, 2]);

    const renamed = await copyOf('valid');
    await rename(path.join(renamed, '2_seed_accounts'), path.join(renamed, '2_seed_users'));
    expect((await compileMigrations(renamed)).checksum).not.toBe(original.checksum);
  });
});

describe('compileMigrations rejects a bad folder, naming the path at fault', () => {
  it('a folder name that is not <version>_<name>', async () => {
    const error = await compileError(fixture('bad-folder-name'));
    expect(error.file).toBe(path.join(fixture('bad-folder-name'), '001-create_users'));
    expect(error.message).toContain('bad migration folder name "001-create_users": expected <version>_<name>');
  });

  it('a migration without up.sql', async () => {
    const error = await compileError(fixture('missing-up'));
    expect(error.message).toBe(`${path.join(fixture('missing-up'), '001_create_users')}: migration folder has no up.sql (the migration's change, required) nor up.ts (a TypeScript data migration)`);
  });

  it('two folders with the same version (1 and 01)', async () => {
    const dir = fixture('duplicate-version');
    const error = await compileError(dir);
    expect(error.file).toBe(path.join(dir, '1_create_users'));
    expect(error.message).toContain(`duplicate migration version: "1" is the same version as "01" of ${path.join(dir, '01_create_teams')}`);
  });

  it('two folders with the same version (1 and 1.0)', async () => {
    const dir = await folderOf({ '1_a/up.sql': 'SELECT 1', '1.0_b/up.sql': 'SELECT 2' });
    expect((await compileError(dir)).message).toContain('duplicate migration version');
  });

  it('an unknown file in a migration folder', async () => {
    const error = await compileError(fixture('unknown-file'));
    expect(error.file).toBe(path.join(fixture('unknown-file'), '001_create_users', 'notes.txt'));
    expect(error.message).toContain('unknown file "notes.txt" in migration folder: a migration folder holds only up.sql, down.sql and verify.sql');
  });

  it('a sub-folder or a misspelt script name in a migration folder', async () => {
    const sub = await folderOf({ '1_a/up.sql': 'SELECT 1', '1_a/extra/x.sql': 'SELECT 2' });
    expect((await compileError(sub)).message).toContain('unknown entry "extra"');
    const upper = await folderOf({ '1_a/UP.sql': 'SELECT 1' });
    expect((await compileError(upper)).message).toContain('unknown file "UP.sql"');
  });

  it('a SQL file at the top level: two layouts when detecting, an unexpected file in the native layout', async () => {
    const detected = await compileError(fixture('top-level-file'));
    expect(detected.file).toBe(fixture('top-level-file'));
    expect(detected.message).toContain('mixes migration layouts: 001_create_users/ (native: ');
    expect(detected.message).toContain('002_create_teams.sql (dbmate: ');
    const native = await compileMigrations(fixture('top-level-file'), { layout: 'native' }).catch((e: unknown) => e as MigrationCompileError);
    expect(native).toBeInstanceOf(MigrationCompileError);
    expect((native as MigrationCompileError).file).toBe(path.join(fixture('top-level-file'), '002_create_teams.sql'));
    expect((native as MigrationCompileError).message).toContain('unexpected file in the migrations folder');
  });

  it('a missing folder, or a file given as the folder', async () => {
    const missing = path.join(scratch, 'does-not-exist');
    expect((await compileError(missing)).message).toBe(`${missing}: migrations folder not found`);
    const file = path.join(fixture('valid'), 'README.md');
    expect((await compileError(file)).message).toBe(`${file}: is not a folder: expected the migrations folder`);
  });

  it('an entry that cannot be read (a broken symbolic link)', async () => {
    const dir = await folderOf({ '1_a/up.sql': 'SELECT 1' });
    await symlink(path.join(dir, 'nowhere'), path.join(dir, '2_b'));
    expect((await compileError(dir)).message).toBe(`${path.join(dir, '2_b')}: cannot be read (ENOENT)`);
  });

  it('a non-transactional statement mixed with transactional ones, at the offending line, saying why', async () => {
    const error = await compileError(fixture('mixed-transactional'));
    const file = path.join(fixture('mixed-transactional'), '001_create_users', 'up.sql');
    expect([error.file, error.line]).toEqual([file, 4]);
    expect(error.message).toMatch(
      new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:4: CREATE INDEX CONCURRENTLY cannot be mixed with transactional statements \\(the first at line 2\\)`),
    );
    expect(error.message).toContain('PostgreSQL cannot run CREATE INDEX CONCURRENTLY inside a transaction block');
  });

  it('the same mix in down.sql', async () => {
    const dir = await folderOf({ '1_a/up.sql': 'CREATE TABLE t (a int)', '1_a/down.sql': 'VACUUM t;\nDROP TABLE t;' });
    const error = await compileError(dir);
    expect([path.relative(dir, error.file), error.line]).toEqual([path.join('1_a', 'down.sql'), 1]);
    expect(error.message).toContain('VACUUM cannot be mixed');
  });

  it('a syntax error, at its line and column', async () => {
    const error = await compileError(fixture('syntax-error'));
    expect(error.message).toBe(`${path.join(fixture('syntax-error'), '001_create_users', 'up.sql')}:3:1: syntax error at or near "SELEC"`);
  });

  it('transaction control in a script', async () => {
    const error = await compileError(fixture('transaction-control'));
    expect(error.message).toMatch(/001_create_users\/up\.sql:2: BEGIN is not allowed in a migration/);
  });

  it('an up.sql with no statement', async () => {
    const error = await compileError(fixture('empty-up'));
    expect(error.message).toContain('001_placeholder/up.sql: up.sql has no SQL statement');
  });

  it('a file that is not UTF-8, naming the line', async () => {
    const latin1 = Buffer.concat([Buffer.from("SELECT 1;\nINSERT INTO t VALUES ('caf"), Buffer.from([0xe9]), Buffer.from("');\n")]);
    const dir = await folderOf({ '1_a/up.sql': latin1 });
    const error = await compileError(dir);
    expect(error.message).toBe(`${path.join(dir, '1_a', 'up.sql')}:2: is not valid UTF-8 text; save the file as UTF-8 (PostgreSQL receives migration SQL as UTF-8)`);
  });

  it('a statement longer than the Data API accepts', async () => {
    const values = Array.from({ length: 8000 }, (_, i) => `(${i}, 'x')`).join(',');
    const dir = await folderOf({ '1_a/up.sql': `CREATE TABLE t (a int, b text);\n\nINSERT INTO t VALUES ${values};` });
    const error = await compileError(dir);
    expect(error.line).toBe(3);
    expect(error.message).toContain(`the RDS Data API accepts at most ${DATA_API_MAX_SQL_CHARACTERS} characters`);
  });
});

describe('compileMigrations accepts', () => {
  it('an empty folder, as a bundle without migrations', async () => {
    const bundle = await compileMigrations(await folderOf({}));
    expect(bundle.migrations).toEqual([]);
    expect(bundle.checksum).toBe(sha256('[]'));
  });

  it('ignores dot files and Markdown notes', async () => {
    const dir = await folderOf({ '.DS_Store': 'x', 'NOTES.md': '# notes', '1_a/up.sql': 'SELECT 1', '1_a/.gitkeep': '', '.hidden/up.sql': 'nope' });
    expect((await compileMigrations(dir)).migrations.map((m) => m.version)).toEqual(['1']);
  });

  it('a byte order mark at the start of a file (checksummed with it)', async () => {
    const dir = await folderOf({ '1_a/up.sql': '\uFEFFCREATE TABLE t (a int);' });
    const m = (await compileMigrations(dir)).migrations[0];
    expect(m?.up.statements).toEqual([{ sql: 'CREATE TABLE t (a int)', line: 1, nonTransactional: false }]);
    expect(m?.checksum).toBe(sha256(Buffer.from('\uFEFFCREATE TABLE t (a int);')));
  });
});

describe('compileSources (the reader seam)', () => {
  const source = (version: string, name: string, sql: string): MigrationSource => ({
    version,
    name,
    location: `memory:${version}`,
    up: { file: `${version}/up.sql`, path: `memory:${version}/up.sql`, bytes: Buffer.from(sql) },
  });

  it('compiles migrations from any reader, sorted, with errors naming the reader\'s paths', () => {
    const bundle = compileSources([source('20', 'b', 'SELECT 2'), source('3', 'a', 'SELECT 1')]);
    expect(bundle.migrations.map((m) => [m.version, m.up.statements[0]?.sql])).toEqual([
      ['3', 'SELECT 1'],
      ['20', 'SELECT 2'],
    ]);
    expect(() => compileSources([source('1', 'a', 'SELECT (')])).toThrow('memory:1/up.sql:1:9: syntax error at end of input');
  });
});
