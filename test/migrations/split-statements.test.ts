import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MigrationCompileError } from '../../lambda/migrations/compile-error';
import { splitStatements } from '../../lambda/migrations/split-statements';
import { loadSqlParser } from '../../lambda/migrations/sql-parser';
import type { PgDriver } from '../../lambda/driver/pg/pg-driver';
import { createTestDatabase, type TestDatabase } from '../support/database';

beforeAll(() => loadSqlParser());

/** The error splitStatements throws for `sql`. */
function splitError(sql: string, file = 'db/0001_x/up.sql'): MigrationCompileError {
  try {
    splitStatements(sql, file);
  } catch (error) {
    expect(error).toBeInstanceOf(MigrationCompileError);
    return error as MigrationCompileError;
  }
  throw new Error('expected splitStatements to throw');
}

const texts = (sql: string) => splitStatements(sql, 'f.sql').map((s) => s.sql);

describe('splitStatements', () => {
  it('keeps semicolons inside dollar quotes, strings, E-strings, quoted identifiers and comments', () => {
    const sql = [
      "SELECT 'a;b', 'it''s; fine' AS \"odd;name\"",
      "SELECT E'back\\\\slash\\'; still the string' AS e",
      'SELECT $$ one; two; $$ AS body',
      'SELECT $tag$ contains $$ and ; $tag$ AS tagged',
      'SELECT 1 /* inner ; comment /* nested ; */ still comment */ + 2 AS three',
    ].join(';\n');
    expect(texts(`${sql};`)).toEqual(sql.split(';\n'));
  });

  it('keeps functions and DO blocks whole, with their bodies byte for byte', () => {
    const fn = `CREATE FUNCTION add_one(i int) RETURNS int LANGUAGE plpgsql AS $fn$
BEGIN
  -- comment in the body; with a semicolon
  RETURN i + 1;
END;
$fn$`;
    const block = `DO $$
DECLARE n int;
BEGIN
  n := 1; RAISE NOTICE 'n = %; done', n;
END
$$`;
    expect(texts(`${fn};\n\n${block};\n`)).toEqual([fn, block]);
  });

  it('drops empty statements and the comments and whitespace around statements', () => {
    expect(texts(';;  SELECT 1;;\n;  -- note\n/* block */ SELECT 2 -- trailing\n; ;')).toEqual(['SELECT 1', 'SELECT 2']);
  });

  it('takes the last statement without a final semicolon, dropping a trailing comment', () => {
    expect(texts('SELECT 1;\nSELECT 2 -- no semicolon after me')).toEqual(['SELECT 1', 'SELECT 2']);
  });

  it('gives no statements for an empty file, whitespace, or only comments', () => {
    expect(splitStatements('', 'f.sql')).toEqual([]);
    expect(splitStatements(' \n\t\r\n', 'f.sql')).toEqual([]);
    expect(splitStatements('-- a comment\n/* another\n spanning lines */\n;;\n', 'f.sql')).toEqual([]);
  });

  it('reports the 1-based line of each statement\'s first token, after leading comments', () => {
    const sql = '-- header\n\n/* a\n   block */ SELECT 1;\nSELECT\n  2;  SELECT 3;\n\n\n  -- lead\n  SELECT 4';
    expect(splitStatements(sql, 'f.sql').map((s) => [s.sql, s.line])).toEqual([
      ['SELECT 1', 4],
      ['SELECT\n  2', 5],
      ['SELECT 3', 6],
      ['SELECT 4', 10],
    ]);
  });

  it('counts CRLF line endings once and keeps them inside statements', () => {
    const sql = '-- head\r\nCREATE TABLE t (\r\n  a int\r\n);\r\n\r\nSELECT 1;\r\n';
    expect(splitStatements(sql, 'f.sql')).toEqual([
      { sql: 'CREATE TABLE t (\r\n  a int\r\n)', line: 2, nonTransactional: false },
      { sql: 'SELECT 1', line: 6, nonTransactional: false },
    ]);
  });

  it('slices by character, not byte, around multi-byte text', () => {
    const sql = "SELECT 'zoë 😀';\n-- ünïcödé comment\nSELECT 'ß'";
    expect(splitStatements(sql, 'f.sql').map((s) => [s.sql, s.line])).toEqual([
      ["SELECT 'zoë 😀'", 1],
      ["SELECT 'ß'", 3],
    ]);
  });

  it('ignores a leading byte order mark', () => {
    expect(splitStatements('\uFEFFSELECT 1;', 'f.sql')).toEqual([{ sql: 'SELECT 1', line: 1, nonTransactional: false }]);
  });

  it('flags non-transactional statements', () => {
    const flags = splitStatements('CREATE TABLE t (a int); CREATE INDEX CONCURRENTLY i ON t (a); VACUUM t', 'f.sql').map(
      (s) => s.nonTransactional,
    );
    expect(flags).toEqual([false, true, true]);
  });
});

describe('splitStatements errors', () => {
  it('names file, line and column of a syntax error with the parser message', () => {
    const error = splitError('CREATE TABLE t (a int);\n-- typo below\nSELEC a FROM t;');
    expect(error.message).toBe('db/0001_x/up.sql:3:1: syntax error at or near "SELEC"');
    expect([error.file, error.line, error.column]).toEqual(['db/0001_x/up.sql', 3, 1]);
  });

  it('counts the column in characters on lines with multi-byte text, and across CRLF', () => {
    expect(splitError("SELECT 1;\r\nSELECT 'zoë😀' FRM t").message).toBe('db/0001_x/up.sql:2:19: syntax error at or near "t"');
  });

  it('reports an unterminated string and a syntax error at the end of input', () => {
    expect(splitError("SELECT 1;\nSELECT 'open").message).toBe('db/0001_x/up.sql:2:8: unterminated quoted string at or near "\'open"');
    expect(splitError('SELECT 1;\nSELECT (').message).toBe('db/0001_x/up.sql:2:9: syntax error at end of input');
  });

  it('explains psql meta-commands', () => {
    expect(splitError('SELECT 1;\n\\connect other').message).toMatch(/^db\/0001_x\/up\.sql:2:1: syntax error at or near "\\".*psql meta-commands/);
  });

  it.each([
    ['BEGIN', 'BEGIN'],
    ['START TRANSACTION ISOLATION LEVEL SERIALIZABLE', 'START TRANSACTION'],
    ['COMMIT', 'COMMIT'],
    ['END', 'COMMIT'],
    ['ROLLBACK', 'ROLLBACK'],
    ['ABORT', 'ROLLBACK'],
    ['SAVEPOINT s', 'SAVEPOINT'],
    ['RELEASE SAVEPOINT s', 'RELEASE SAVEPOINT'],
    ['ROLLBACK TO SAVEPOINT s', 'ROLLBACK TO SAVEPOINT'],
    ["PREPARE TRANSACTION 'g'", 'PREPARE TRANSACTION'],
    ["COMMIT PREPARED 'g'", 'COMMIT PREPARED'],
    ["ROLLBACK PREPARED 'g'", 'ROLLBACK PREPARED'],
  ])('rejects transaction control: %s', (statement, command) => {
    const error = splitError(`CREATE TABLE t (a int);\n\n  ${statement};\n`);
    expect(error.message).toMatch(new RegExp(`^db/0001_x/up\\.sql:3: ${command} is not allowed in a migration`));
    expect(error.line).toBe(3);
  });

  it('rejects a NUL character with its position', () => {
    expect(splitError("SELECT 1;\nSELECT 'a\u0000b'").message).toBe(
      'db/0001_x/up.sql:2:10: contains a NUL character (U+0000), which PostgreSQL does not accept in SQL text',
    );
  });
});

describe('split statements run on PostgreSQL one by one', () => {
  let db: TestDatabase;
  let driver: PgDriver;
  beforeAll(async () => {
    db = await createTestDatabase('split');
    driver = db.driver();
  });
  afterAll(() => db.drop());

  it('each statement is one executable statement whose strings and bodies survived intact', async () => {
    const file = `-- A script as a user writes it.
CREATE TABLE notes (id int PRIMARY KEY, body text);
INSERT INTO notes VALUES (1, 'semi;colon'), (2, E'quote \\' and ; inside'), (3, $$dollar; body$$);;
CREATE FUNCTION shout(t text) RETURNS text LANGUAGE plpgsql AS $fn$
BEGIN
  RETURN upper(t) || '!'; -- ; in a comment
END;
$fn$;
DO $$ BEGIN INSERT INTO notes VALUES (4, shout('do; block')); END $$;
/* trailing comment ; */`;
    const statements = splitStatements(file, 'notes.sql');
    expect(statements).toHaveLength(4);
    for (const statement of statements) await driver.execute(statement.sql);
    const { rows } = await driver.execute('SELECT id, body FROM notes ORDER BY id');
    expect(rows).toEqual([
      { id: 1, body: 'semi;colon' },
      { id: 2, body: "quote ' and ; inside" },
      { id: 3, body: 'dollar; body' },
      { id: 4, body: 'DO; BLOCK!' },
    ]);
  });
});
