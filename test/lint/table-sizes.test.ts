import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PgDriver } from '../../lambda/driver/pg/pg-driver';
import { estimateRows, readColumnTypes, readTableSizes } from '../../lambda/lint/database-context';
import { formatReport } from '../../lambda/lint/format-findings';
import { lintMigrations } from '../../lambda/lint/lint-migrations';
import { loadLinter } from '../../lambda/lint/sql-parser';
import { createTestDatabase, type TestDatabase } from '../support/database';

let db: TestDatabase;
let driver: PgDriver;

beforeAll(async () => {
  await loadLinter();
  db = await createTestDatabase('lint_sizes');
  driver = db.driver();
  await db.sql(`
    CREATE TABLE small_t (id bigint PRIMARY KEY, v int);
    INSERT INTO small_t SELECT g, g FROM generate_series(1, 100) g;
    CREATE INDEX small_t_v_idx ON small_t (v);
    CREATE TABLE big_t (id bigint PRIMARY KEY, v int);
    INSERT INTO big_t SELECT g, g FROM generate_series(1, 20000) g;
    CREATE TABLE fresh_t (id bigint, v int);
    CREATE TABLE grown_t (id bigint, v int);
    INSERT INTO grown_t SELECT g, g FROM generate_series(1, 100) g;
    ANALYZE small_t; ANALYZE big_t; ANALYZE grown_t;
    INSERT INTO grown_t SELECT g, g FROM generate_series(101, 30000) g;
    CREATE SCHEMA billing;
    CREATE TABLE billing."Invoice" (id integer, name varchar(20), price numeric(10,2));
  `);
});
afterAll(() => db.drop());

const INDEXES = {
  file: '0002_indexes/up.sql',
  sql: [
    'CREATE INDEX small_t_id_v_idx ON small_t (id, v);',
    'CREATE INDEX big_t_v_idx ON big_t (v);',
    'CREATE INDEX fresh_t_v_idx ON fresh_t (v);',
    'CREATE INDEX grown_t_v_idx ON grown_t (v);',
    'CREATE INDEX missing_t_v_idx ON missing_t (v);',
    'DROP INDEX small_t_v_idx;',
  ].join('\n'),
};

const flagged = (report: Awaited<ReturnType<typeof lintMigrations>>) => report.findings.map((f) => `${f.ruleId}@${f.line}`);

describe('table sizes from pg_class.reltuples', () => {
  it('does not flag a non-concurrent index on a table under smallTableRows, and says what it assumed', async () => {
    const report = await lintMigrations([INDEXES], { driver });
    expect(flagged(report)).toEqual([
      'require-concurrent-index-creation@2',
      'require-concurrent-index-creation@4',
      'require-concurrent-index-creation@5',
    ]);
    expect(report.exemptions.map((e) => [e.ruleId, e.line, e.table, e.rows])).toEqual([
      ['require-concurrent-index-creation', 1, 'small_t', 100],
      ['require-concurrent-index-creation', 3, 'fresh_t', 0],
      ['require-concurrent-index-deletion', 6, 'small_t_v_idx', 100],
    ]);
    const sizes = Object.fromEntries(report.tableSizes.map((s) => [s.table, s]));
    expect(sizes.small_t).toEqual({ table: 'small_t', rows: 100, source: 'pg_class.reltuples' });
    expect(sizes.big_t!.rows).toBe(20000);
    expect(sizes.missing_t).toEqual({ table: 'missing_t', rows: null, source: 'pg_class.reltuples' });
    // grown_t was analyzed at 100 rows and then grew: the estimate scales with its current pages.
    expect(sizes.grown_t!.rows).toBeGreaterThan(10_000);
    expect(report.findings[0]!.message).toContain('big_t has ~20,000 rows');
    const text = formatReport(report);
    expect(text).toContain('Table sizes assumed (small-table threshold 10,000 rows):');
    expect(text).toContain('    small_t: ~100 rows (pg_class.reltuples)');
    expect(text).toContain('0002_indexes/up.sql:1:1 require-concurrent-index-creation not reported: small_t has ~100 rows');
  });

  it('flags every one of them without a connection', async () => {
    const report = await lintMigrations([INDEXES]);
    expect(report.findings).toHaveLength(6);
    expect(report.tableSizes).toEqual([]);
  });

  it('lets the tableSizes option win over the database, and smallTableRows move the threshold', async () => {
    const report = await lintMigrations([INDEXES], { driver, tableSizes: new Map([['big_t', 5]]), config: { smallTableRows: 50 } });
    expect(flagged(report)).toEqual([
      'require-concurrent-index-creation@1',
      'require-concurrent-index-creation@4',
      'require-concurrent-index-creation@5',
      'require-concurrent-index-deletion@6',
    ]);
    expect(report.tableSizes.find((s) => s.table === 'big_t')).toEqual({ table: 'big_t', rows: 5, source: 'tableSizes' });
    expect(report.smallTableRows).toBe(50);
  });

  it('reads current column types to judge type changes, quoting mixed-case names', async () => {
    const migration = {
      file: '0003_types/up.sql',
      sql: [
        'ALTER TABLE billing."Invoice" ALTER COLUMN name TYPE text;',
        'ALTER TABLE billing."Invoice" ALTER COLUMN price TYPE numeric(14,2);',
        'ALTER TABLE billing."Invoice" ALTER COLUMN id TYPE bigint;',
      ].join('\n'),
    };
    const withDatabase = await lintMigrations([migration], { driver, config: { smallTableRows: 0 } });
    expect(flagged(withDatabase)).toEqual(['ban-table-rewriting-type-change@3']);
    expect(withDatabase.findings[0]!.message).toContain('integer → bigint is not binary coercible');
    const without = await lintMigrations([migration]);
    expect(flagged(without)).toEqual([
      'ban-table-rewriting-type-change@1',
      'ban-table-rewriting-type-change@2',
      'ban-table-rewriting-type-change@3',
    ]);
    expect(without.findings[0]!.message).toContain('does not know the column\'s current type');
  });

  it('skips the database for migrations at or below the baseline', async () => {
    const report = await lintMigrations([{ file: '0001_old/up.sql', sql: 'CREATE INDEX x ON big_t (v);' }, INDEXES], { driver, baseline: '0001' });
    expect(report.files).toEqual(['0002_indexes/up.sql']);
    expect(report.findings.every((f) => f.file === '0002_indexes/up.sql')).toBe(true);
  });
});

describe('catalog queries', () => {
  it('reads sizes in batches of 100 names, in the order asked', async () => {
    const relations = Array.from({ length: 150 }, (_, i) => ({ name: `nothing_${i}` }));
    relations[120] = { name: 'small_t' };
    relations[3] = { name: 'big_t' };
    const sizes = await readTableSizes(driver, relations);
    expect(sizes).toHaveLength(150);
    expect(sizes[120]).toBe(100);
    expect(sizes[3]).toBe(20000);
    expect(sizes.filter((s) => s !== null)).toHaveLength(2);
  });

  it('reads column types as TypeSpecs, undefined for unknown columns', async () => {
    const types = await readColumnTypes(driver, [
      { table: { schema: 'billing', name: 'Invoice' }, column: 'name' },
      { table: { schema: 'billing', name: 'Invoice' }, column: 'nope' },
      { table: { name: 'small_t' }, column: 'v' },
    ]);
    expect(types).toEqual([
      { name: 'varchar', typmods: [20], typmodsKnown: true, arrayDims: 0 },
      undefined,
      { name: 'int4', typmods: [], typmodsKnown: true, arrayDims: 0 },
    ]);
  });

  it('estimates rows like the planner', () => {
    expect(estimateRows({ kind: 'r', reltuples: 100, relpages: 1, pages: 10 })).toBe(1000);
    expect(estimateRows({ kind: 'r', reltuples: -1, relpages: 0, pages: 0 })).toBe(0);
    expect(estimateRows({ kind: 'r', reltuples: -1, relpages: 0, pages: 4 })).toBeNull();
    expect(estimateRows({ kind: 'p', reltuples: 5000, relpages: 0, pages: 0 })).toBe(5000);
    expect(estimateRows({ kind: 'p', reltuples: -1, relpages: 0, pages: 0 })).toBeNull();
    expect(estimateRows({ kind: null, reltuples: null, relpages: null, pages: null })).toBeNull();
  });
});
