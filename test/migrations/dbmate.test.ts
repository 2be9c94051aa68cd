import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BundledMigration } from '../../lambda/migrations/bundle';
import { compileMigrations } from '../../lambda/migrations/compile';
import { MigrationCompileError } from '../../lambda/migrations/compile-error';
import { writeFolder } from '../support/write-folder';

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), 'rds-migrate-dbmate-'));
});
afterAll(() => rm(scratch, { recursive: true, force: true }));

const FILE = '20240101120000_create_users.sql';

/** A dbmate folder holding `files` (name → content); the layout is named, so any name can be tried. */
function folderOf(files: Record<string, string | Buffer>): Promise<string> {
  return writeFolder(scratch, files);
}

async function migration(text: string | Buffer): Promise<BundledMigration> {
  const bundle = await compileMigrations(await folderOf({ [FILE]: text }), { layout: 'dbmate' });
  return bundle.migrations[0] as BundledMigration;
}

/** The message compiling a dbmate file of `text` fails with, the folder replaced by `<dir>`. */
async function failure(text: string | Buffer, name = FILE): Promise<string> {
  const dir = await folderOf({ [name]: text });
  const error = await compileMigrations(dir, { layout: 'dbmate' }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(MigrationCompileError);
  return (error as MigrationCompileError).message.replaceAll(dir, '<dir>');
}

describe('dbmate sections', () => {
  it('split a file into up and down scripts, numbered as lines of the file', async () => {
    const m = await migration(
      '-- Users of the service.\n\n-- migrate:up\nCREATE TABLE users (id int);\nCREATE INDEX users_id_idx ON users (id);\n\n-- migrate:down\nDROP TABLE users;\n',
    );
    expect(m).toMatchObject({ version: '20240101120000', name: 'create_users', transactional: true });
    expect(m.up.statements.map((s) => [s.sql, s.line])).toEqual([
      ['CREATE TABLE users (id int)', 4],
      ['CREATE INDEX users_id_idx ON users (id)', 5],
    ]);
    expect(m.down?.statements.map((s) => [s.sql, s.line])).toEqual([['DROP TABLE users', 8]]);
    expect([m.up.file, m.down?.file]).toEqual([FILE, FILE]);
    expect(m.verify).toBeUndefined();
  });

  it('checksum each section apart: editing the down section leaves the migration checksum alone', async () => {
    const up = '-- migrate:up\nCREATE TABLE users (id int);\n\n';
    const [a, b] = [await migration(`${up}-- migrate:down\nDROP TABLE users;\n`), await migration(`${up}-- migrate:down\nDROP TABLE IF EXISTS users;\n`)];
    expect(a.checksum).toBe(createHash('sha256').update(up).digest('hex'));
    expect(b.checksum).toBe(a.checksum);
    expect(b.down?.checksum).not.toBe(a.down?.checksum);
  });

  it('read CRLF files and a byte order mark', async () => {
    const m = await migration('\uFEFF-- migrate:up\r\nCREATE TABLE users (id int);\r\n\r\n-- migrate:down\r\nDROP TABLE users;\r\n');
    expect([m.up.statements[0]?.line, m.down?.statements[0]?.line]).toEqual([2, 5]);
  });

  it('without a down section, or with an empty one, leave the migration irreversible', async () => {
    expect((await migration('-- migrate:up\nCREATE TABLE users (id int);\n')).down).toBeUndefined();
    expect((await migration('-- migrate:up\nCREATE TABLE users (id int);\n-- migrate:down\n')).down).toBeUndefined();
    expect((await migration('-- migrate:up\nCREATE TABLE users (id int);\n-- migrate:down\n-- nothing to undo\n\n')).down).toBeUndefined();
  });

  it('read transaction:false on the up marker as transaction=off', async () => {
    const m = await migration('-- migrate:up transaction:false\nUPDATE users SET a = 1;\nUPDATE users SET b = 2;\n-- migrate:down\n');
    expect(m).toMatchObject({ transactional: false, directives: { transaction: false } });
    const concurrently = await migration(
      '-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY i ON users (id);\n-- migrate:down   transaction:false\nDROP INDEX CONCURRENTLY i;\n',
    );
    expect(concurrently).toMatchObject({ transactional: false, directives: { transaction: false } });
    expect(concurrently.down?.statements[0]?.nonTransactional).toBe(true);
    expect(await migration('-- migrate:up transaction:true\nSELECT 1')).toMatchObject({ transactional: true, directives: { transaction: true } });
  });

  it('take rds-migrate directives at the top of the up section, agreeing with the marker', async () => {
    const m = await migration('-- migrate:up transaction:false\n-- rds-migrate: transaction=off retries=4\nUPDATE users SET a = 1;\n');
    expect(m.directives).toEqual({ transaction: false, retries: 4 });
    expect(await failure('-- migrate:up transaction:false\n-- rds-migrate: transaction=on\nSELECT 1')).toBe(
      `<dir>/${FILE}:2:17: transaction=on contradicts transaction:false at <dir>/${FILE}:1: say it once`,
    );
    expect(await failure('-- migrate:up\nSELECT 1;\n-- migrate:down\n-- rds-migrate: retries=1\nSELECT 2;')).toContain(
      `<dir>/${FILE}:4:1: directives apply to the whole migration and are read from its up script only`,
    );
  });
});

describe('dbmate files refused, naming file and line', () => {
  const cases: Array<[string, string]> = [
    [
      '-- only a comment\n',
      `<dir>/${FILE}: no "-- migrate:up" section: a dbmate migration holds "-- migrate:up" followed by its change, and optionally "-- migrate:down" followed by what reverts it`,
    ],
    ['-- migrate:down\nDROP TABLE users;\n', `<dir>/${FILE}:1: "-- migrate:down" comes before any "-- migrate:up": dbmate requires the up section first`],
    ['-- migrate:up\n\n-- migrate:down\nDROP TABLE users;\n', `<dir>/${FILE}:1: the up script has no SQL statement (only comments or whitespace)`],
    ['CREATE TYPE mood AS ENUM (\'ok\');\n-- migrate:up\nSELECT 1;\n', `<dir>/${FILE}:1: SQL before the "-- migrate:up" marker`],
    ['/* header */\n-- migrate:up\nSELECT 1;\n', `<dir>/${FILE}:1: SQL before the "-- migrate:up" marker`],
    ['-- Users.\n-- rds-migrate: transaction=off\n-- migrate:up\nSELECT 1;\n', `<dir>/${FILE}:2: rds-migrate directives before "-- migrate:up" would not be read: move this line just below "-- migrate:up"`],
    ['-- migrate:up\nSELECT 1;\n-- migrate:up\nSELECT 2;\n', `<dir>/${FILE}:3: second "-- migrate:up" marker (the first is at line 1)`],
    ['-- migrate:up\nSELECT 1;\n-- migrate:down\n-- migrate:down\n', `<dir>/${FILE}:4: second "-- migrate:down" marker (the first is at line 3)`],
    ['-- migrate:up\nSELECT 1;\n  -- migrate:down\nSELECT 2;\n', `<dir>/${FILE}:3: looks like a dbmate section marker but is not one`],
    ['-- migrate:Up\nSELECT 1;\n', `<dir>/${FILE}:1: looks like a dbmate section marker but is not one`],
    ['-- migrate: up\nSELECT 1;\n', `<dir>/${FILE}:1: looks like a dbmate section marker but is not one`],
    ['-- migrate:up transaction:no\nSELECT 1;\n', `<dir>/${FILE}:1:15: dbmate option transaction must be true or false, got "no"`],
    ['-- migrate:up  timeout:5s\nSELECT 1;\n', `<dir>/${FILE}:1:16: unknown dbmate option "timeout": the only option is transaction:true or transaction:false`],
    ['-- migrate:up transaction=false\nSELECT 1;\n', `<dir>/${FILE}:1:15: malformed dbmate option "transaction=false": options are key:value`],
    ['-- migrate:up\nSELECT 1;\n-- migrate:down\nDROP TABL users;\n', `<dir>/${FILE}:4:6: syntax error at or near "TABL"`],
    ['-- migrate:up\nSELECT 1;\n-- migrate:down transaction:false\nDROP TABLE a;\nDROP INDEX CONCURRENTLY i;\n', `<dir>/${FILE}:5: DROP INDEX CONCURRENTLY cannot be mixed with transactional statements (the first at line 4)`],
  ];
  it.each(cases)('%j', async (text, message) => {
    expect(await failure(text)).toContain(message);
  });

  it('a file that is not UTF-8 in its down section, at the line of the file', async () => {
    const text = Buffer.concat([Buffer.from("-- migrate:up\nSELECT 1;\n-- migrate:down\nSELECT 'caf"), Buffer.from([0xe9]), Buffer.from("';\n")]);
    expect(await failure(text)).toBe(`<dir>/${FILE}:4: is not valid UTF-8 text; save the file as UTF-8 (PostgreSQL receives migration SQL as UTF-8)`);
  });

  it('a file or folder name that is not <version>_<name>.sql', async () => {
    expect(await failure('-- migrate:up\nSELECT 1', '20240101120000.sql')).toBe(
      '<dir>/20240101120000.sql: unexpected file in a dbmate migrations folder: expected <version>_<name>.sql (version digits only) ' +
        'holding "-- migrate:up" and "-- migrate:down" sections, e.g. 20240101120000_create_users.sql',
    );
    expect(await failure('-- migrate:up\nSELECT 1', 'sub/1_a.sql')).toContain('<dir>/sub: unexpected folder in a dbmate migrations folder');
  });
});
