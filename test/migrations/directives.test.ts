import { beforeAll, describe, expect, it } from 'vitest';
import type { BundledMigration } from '../../lambda/migrations/bundle';
import { compileSources } from '../../lambda/migrations/compile';
import { MigrationCompileError } from '../../lambda/migrations/compile-error';
import { parseDurationMs } from '../../lambda/migrations/directives';
import type { LayoutDirectives, MigrationSource } from '../../lambda/migrations/migration-source';
import { loadSqlParser } from '../../lambda/migrations/sql-parser';

beforeAll(() => loadSqlParser());

const UP = 'memory:1_a/up.sql';

/** A migration whose up script is `up` (and down, verify scripts when given). */
function source(up: string, scripts: { down?: string; verify?: string; layout?: LayoutDirectives } = {}): MigrationSource {
  const file = (name: string, sql: string) => ({ file: `1_a/${name}`, path: `memory:1_a/${name}`, bytes: Buffer.from(sql) });
  return {
    version: '1',
    name: 'a',
    location: 'memory:1_a',
    up: file('up.sql', up),
    ...(scripts.down !== undefined ? { down: file('down.sql', scripts.down) } : {}),
    ...(scripts.verify !== undefined ? { verify: file('verify.sql', scripts.verify) } : {}),
    ...(scripts.layout ? { layoutDirectives: scripts.layout } : {}),
  };
}

function compile(up: string, scripts: Parameters<typeof source>[1] = {}): BundledMigration {
  return compileSources([source(up, scripts)]).migrations[0] as BundledMigration;
}

/** The error compiling `up` fails with. */
function failure(up: string, scripts: Parameters<typeof source>[1] = {}): MigrationCompileError {
  try {
    compile(up, scripts);
  } catch (error) {
    expect(error).toBeInstanceOf(MigrationCompileError);
    return error as MigrationCompileError;
  }
  throw new Error('expected the migration to be refused');
}

describe('directives in the up script\'s header', () => {
  it('are recorded, in a fixed key order, with the durations in ms', () => {
    const m = compile(
      '-- Adds a column to a busy table.\n' +
        '-- rds-migrate: retries=5 statement_timeout=5min\n' +
        '--rds-migrate:   lock_timeout=10s\n' +
        '\n' +
        'ALTER TABLE t ADD COLUMN c int;',
    );
    expect(m.directives).toEqual({ lockTimeoutMs: 10_000, statementTimeoutMs: 300_000, retries: 5 });
    expect(Object.keys(m.directives ?? {})).toEqual(['lockTimeoutMs', 'statementTimeoutMs', 'retries']);
    expect(m.transactional).toBe(true);
    expect(m.up.statements.map((s) => s.line)).toEqual([5]);
  });

  it('read each duration unit as PostgreSQL does, 0 disabling', () => {
    const cases: Array<[string, number]> = [['250ms', 250], ['10s', 10_000], ['2min', 120_000], ['1h', 3_600_000], ['0ms', 0], ['0s', 0]];
    for (const [text, ms] of cases) {
      expect(compile(`-- rds-migrate: lock_timeout=${text} statement_timeout=${text}\nSELECT 1`).directives).toEqual({ lockTimeoutMs: ms, statementTimeoutMs: ms });
    }
    expect(parseDurationMs('596h')).toBe(2_145_600_000);
    expect(parseDurationMs('597h')).toBe("at most 2147483647 ms (PostgreSQL's limit), about 24 days");
  });

  it('transaction=off makes a migration of transactional statements run statement by statement', () => {
    const m = compile('-- rds-migrate: transaction=off\nUPDATE t SET a = 1;\nUPDATE t SET b = 2;');
    expect(m).toMatchObject({ transactional: false, directives: { transaction: false } });
    expect(m.up.statements.map((s) => s.nonTransactional)).toEqual([false, false]);
  });

  it('transaction=on keeps a transactional migration as it is; retries=0 is allowed', () => {
    expect(compile('-- rds-migrate: transaction=on retries=0\nSELECT 1')).toMatchObject({ transactional: true, directives: { transaction: true, retries: 0 } });
  });

  it('are not needed for statements that cannot run in a transaction: detected from the parse tree', () => {
    const m = compile('-- no directive\nCREATE INDEX CONCURRENTLY t_a_idx ON t (a);\nREINDEX INDEX CONCURRENTLY t_b_idx;');
    expect(m.transactional).toBe(false);
    expect(m.directives).toBeUndefined();
  });

  it('are only read from comments: the same text in a string, a dollar-quoted body or a block comment body is SQL', () => {
    const m = compile(
      "SELECT '\n-- rds-migrate: transaction=off\n' AS text;\n" +
        'DO $$ BEGIN\n-- rds-migrate: retries=9\nEND $$;\n' +
        '-- rds-migrate runs this in one transaction (prose, no colon: not a directive)\n' +
        'SELECT 2;',
    );
    expect(m.directives).toBeUndefined();
    expect(m.transactional).toBe(true);
  });

  it('need no header when there are none: a migration without directives has no directives field', () => {
    expect('directives' in compile('SELECT 1')).toBe(false);
  });
});

describe('bad directives are refused, naming file:line:column and the key or value', () => {
  const cases: Array<[string, string, string]> = [
    ['-- rds-migrate: timeout=5s', '1:17', 'unknown directive "timeout": the directives are transaction, lock_timeout, statement_timeout, retries'],
    ['-- rds-migrate: transaction=off lock-timeout=5s', '1:33', 'unknown directive "lock-timeout" (did you mean "lock_timeout"?)'],
    ['-- rds-migrate: Transaction=off', '1:17', 'unknown directive "Transaction" (did you mean "transaction"?)'],
    ['-- rds-migrate: transaction=maybe', '1:17', 'transaction=maybe: expected on or off'],
    ['-- rds-migrate: transaction=true', '1:17', 'transaction=true: expected on or off'],
    ['-- rds-migrate: lock_timeout=10', '1:17', 'lock_timeout=10: the duration needs a unit (ms, s, min, h), e.g. 10s'],
    ['-- rds-migrate: lock_timeout=10sec', '1:17', 'lock_timeout=10sec: unknown unit "sec": use ms, s, min, h'],
    ['-- rds-migrate: lock_timeout=10S', '1:17', 'lock_timeout=10S: unknown unit "S": use ms, s, min, h'],
    ['-- rds-migrate: statement_timeout=1.5s', '1:17', 'statement_timeout=1.5s: expected a whole number with a unit (ms, s, min, h), e.g. 10s or 5min'],
    ['-- rds-migrate: statement_timeout=-1s', '1:17', 'statement_timeout=-1s: expected a whole number with a unit'],
    ['-- rds-migrate: statement_timeout=25d', '1:17', 'statement_timeout=25d: unknown unit "d"'],
    ['-- rds-migrate: statement_timeout=600h', '1:17', "statement_timeout=600h: at most 2147483647 ms (PostgreSQL's limit), about 24 days"],
    ['-- rds-migrate: retries=101', '1:17', 'retries=101: at most 100 retries'],
    ['-- rds-migrate: retries=two', '1:17', 'retries=two: expected a whole number of retries from 0 to 100'],
    ['-- rds-migrate: retries=-1', '1:17', 'retries=-1: expected a whole number of retries from 0 to 100'],
    ['-- rds-migrate: retries', '1:17', 'directive "retries" is not key=value'],
    ['-- rds-migrate: =5', '1:17', 'directive "=5" is not key=value'],
    ['-- rds-migrate:', '1:16', 'empty directive: write key=value pairs after "rds-migrate:"'],
    ['-- header\n  -- rds-migrate: retries=1 retries=2', '2:29', 'retries is given twice (first as retries=1 at line 2): give each directive once'],
    ['-- rds-migrate: retries=1\n-- rds-migrate: lock_timeout=1s retries=1', '2:33', 'retries is given twice (first as retries=1 at line 1)'],
    ['-- RDS-Migrate: transaction=off', '1:1', 'misspelt directive prefix: write "-- rds-migrate:" in lower case, with a hyphen'],
    ['-- rds_migrate: transaction=off', '1:1', 'misspelt directive prefix'],
    ['/* rds-migrate: transaction=off */', '1:1', 'directives are written as line comments: -- rds-migrate: key=value, not in a block comment'],
  ];
  it.each(cases)('%j', (header, at, message) => {
    const error = failure(`${header}\nSELECT 1;`);
    expect(error.message).toContain(`${UP}:${at}: ${message}`);
    const [line, column] = at.split(':').map(Number);
    expect([error.file, error.line, error.column]).toEqual([UP, line, column]);
  });

  it('a directive after the first statement', () => {
    const error = failure('SELECT 1;\n-- rds-migrate: transaction=off\nSELECT 2;');
    expect(error.message).toBe(
      `${UP}:2:1: directive after the first statement (line 1): directives are read from the header comment at the top of the script only; move it above the first statement`,
    );
    expect(failure('SELECT 1; -- rds-migrate: retries=1').message).toContain(`${UP}:1:11: directive after the first statement`);
  });

  it('a directive in a down or verify script', () => {
    for (const script of ['down', 'verify'] as const) {
      const error = failure('CREATE TABLE t (a int)', { [script]: `-- rds-migrate: retries=1\nSELECT 1` });
      expect(error.message).toBe(
        `memory:1_a/${script}.sql:1:1: directives apply to the whole migration and are read from its up script only: move this line to the top of the up script`,
      );
    }
  });
});

describe('directives that contradict the statements', () => {
  it('transaction=on with a statement that cannot run in a transaction: named at the statement, with the directive', () => {
    const error = failure('-- rds-migrate: transaction=on\n\nCREATE INDEX CONCURRENTLY t_a_idx ON t (a);');
    expect(error.message).toBe(
      `${UP}:3: CREATE INDEX CONCURRENTLY cannot run inside a transaction block, but transaction=on at line 1 asks for one transaction: ` +
        'remove that directive (the migration then runs outside a transaction) or move CREATE INDEX CONCURRENTLY into a migration of its own',
    );
    expect(failure('-- rds-migrate: transaction=on\nVACUUM t;').message).toMatch(/:2: VACUUM cannot run inside a transaction block/);
  });

  it('mixing statements that cannot run in a transaction with others is refused, transaction=off or not', () => {
    for (const header of ['', '-- rds-migrate: transaction=off\n']) {
      const error = failure(`${header}CREATE TABLE t (a int);\nCREATE INDEX CONCURRENTLY t_a_idx ON t (a);`);
      expect(error.line).toBe(header === '' ? 2 : 3);
      expect(error.message).toContain('CREATE INDEX CONCURRENTLY cannot be mixed with transactional statements');
    }
  });

  it('lock_timeout or statement_timeout where no statement runs in a transaction', () => {
    const error = failure('-- rds-migrate: retries=3 lock_timeout=5s\nCREATE INDEX CONCURRENTLY t_a_idx ON t (a);');
    expect([error.line, error.column]).toEqual([1, 27]);
    expect(error.message).toContain(
      'lock_timeout cannot apply: every statement of this migration runs outside a transaction (CREATE INDEX CONCURRENTLY)',
    );
    expect(failure('-- rds-migrate: statement_timeout=1min\nVACUUM t;').message).toContain('statement_timeout cannot apply');
    // retries alone are fine there, and timeouts are fine on transaction=off migrations of transactional statements.
    expect(compile('-- rds-migrate: retries=3\nCREATE INDEX CONCURRENTLY t_a_idx ON t (a);').directives).toEqual({ retries: 3 });
    expect(compile('-- rds-migrate: transaction=off lock_timeout=1s\nUPDATE t SET a = 1;').directives).toEqual({ transaction: false, lockTimeoutMs: 1000 });
  });
});

describe('directives from the layout (dbmate transaction:false, Flyway executeInTransaction)', () => {
  const layout = (transaction: boolean): LayoutDirectives => ({
    directives: { transaction },
    text: `transaction:${transaction}`,
    path: 'memory:1_a.sql',
    line: 1,
  });

  it('are merged with the header', () => {
    expect(compile('-- rds-migrate: retries=2\nUPDATE t SET a = 1', { layout: layout(false) })).toMatchObject({
      transactional: false,
      directives: { transaction: false, retries: 2 },
    });
    expect(compile('-- rds-migrate: transaction=off\nUPDATE t SET a = 1', { layout: layout(false) }).directives).toEqual({ transaction: false });
  });

  it('must agree with it', () => {
    const error = failure('-- rds-migrate: transaction=on\nUPDATE t SET a = 1', { layout: layout(false) });
    expect(error.message).toBe(`${UP}:1:17: transaction=on contradicts transaction:false at memory:1_a.sql:1: say it once`);
  });

  it('asking for a transaction refuses a statement that cannot run in one', () => {
    const error = failure('CREATE INDEX CONCURRENTLY t_a_idx ON t (a)', { layout: layout(true) });
    expect(error.message).toContain(`${UP}:1: CREATE INDEX CONCURRENTLY cannot run inside a transaction block, but transaction:true at memory:1_a.sql:1 asks for one transaction`);
  });
});
