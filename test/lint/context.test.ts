import { beforeAll, describe, expect, it } from 'vitest';
import { lintMigrations } from '../../lambda/lint/lint-migrations';
import { lintSql } from '../../lambda/lint/lint-sql';
import { loadLinter } from '../../lambda/lint/sql-parser';
import type { MigrationBundle } from '../../lambda/migrations/bundle';

beforeAll(() => loadLinter());

const ids = (findings: ReadonlyArray<{ ruleId: string; file: string; line: number; column: number }>) =>
  findings.map((f) => `${f.file} ${f.ruleId}@${f.line}:${f.column}`);

describe('tables created in the same migration', () => {
  it('exempts a table created earlier in the file, matching schema-qualified and unqualified names', () => {
    const sql = [
      'CREATE TABLE app.invoice_lines (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, invoice_id bigint, amount numeric);',
      'CREATE INDEX invoice_lines_invoice_idx ON invoice_lines (invoice_id);',
      'ALTER TABLE app.invoice_lines ADD CONSTRAINT invoice_lines_invoice_fk FOREIGN KEY (invoice_id) REFERENCES invoices (id);',
      'ALTER TABLE invoice_lines ALTER COLUMN amount SET NOT NULL, ADD COLUMN ref uuid DEFAULT gen_random_uuid();',
      'CREATE INDEX invoices_total_idx ON invoices (total);',
    ].join('\n');
    expect(ids(lintSql(sql, { file: 'up.sql' }))).toEqual(['up.sql require-concurrent-index-creation@5:1']);
  });

  it('follows a table renamed in the same migration', () => {
    const sql = 'CREATE TABLE users_next (id bigint);\nALTER TABLE users_next RENAME TO users_v2;\nCREATE INDEX users_v2_id_idx ON users_v2 (id);';
    expect(lintSql(sql, { file: 'up.sql' })).toEqual([]);
  });

  it('takes tables created by earlier statements from the createdTables option', () => {
    const sql = 'CREATE INDEX orders_total_idx ON orders (total);\nCREATE INDEX audit_at_idx ON app.audit (at);';
    expect(ids(lintSql(sql, { file: 'up.sql', createdTables: ['orders', 'app.audit'] }))).toEqual([]);
    expect(ids(lintSql(sql, { file: 'up.sql', createdTables: ['other.audit'] }))).toEqual([
      'up.sql require-concurrent-index-creation@1:1',
      'up.sql require-concurrent-index-creation@2:1',
    ]);
  });

  it('does not carry "new table" from one migration to the next', async () => {
    const report = await lintMigrations([
      { file: '0001_create_orders/up.sql', sql: 'CREATE TABLE orders (id bigint PRIMARY KEY, total numeric);\nCREATE INDEX orders_total_idx ON orders (total);' },
      { file: '0002_index_orders/up.sql', sql: 'CREATE INDEX orders_id_total_idx ON orders (id, total);' },
    ]);
    expect(ids(report.findings)).toEqual(['0002_index_orders/up.sql require-concurrent-index-creation@1:1']);
    expect(report.files).toEqual(['0001_create_orders/up.sql', '0002_index_orders/up.sql']);
    expect(report.errorCount).toBe(1);
  });
});

describe('knowledge carried across migrations', () => {
  it('knows column types from earlier migrations to judge a type change', async () => {
    const report = await lintMigrations([
      { file: '0001_users/up.sql', sql: 'CREATE TABLE users (id integer PRIMARY KEY, name varchar(100), price numeric(10,2));' },
      {
        file: '0002_widen/up.sql',
        sql: 'ALTER TABLE users ALTER COLUMN name TYPE text;\nALTER TABLE users ALTER COLUMN price TYPE numeric(14,2);\nALTER TABLE users ALTER COLUMN id TYPE bigint;',
      },
    ]);
    expect(ids(report.findings)).toEqual([
      '0001_users/up.sql prefer-bigint-primary-key@1:24',
      '0001_users/up.sql prefer-text-over-varchar@1:50',
      '0002_widen/up.sql ban-table-rewriting-type-change@3:19',
    ]);
    expect(report.findings.at(-1)!.message).toMatch(/integer → bigint is not binary coercible/);
  });

  it('lets SET NOT NULL pass after a validated IS NOT NULL check, but not after an unrelated one', async () => {
    const report = await lintMigrations([
      {
        file: '0001_checks/up.sql',
        sql: 'ALTER TABLE users ADD CONSTRAINT users_email_nn CHECK (email IS NOT NULL) NOT VALID;\n' +
          'ALTER TABLE users ADD CONSTRAINT users_age_positive CHECK (age > 0) NOT VALID;',
      },
      { file: '0002_email/up.sql', sql: 'ALTER TABLE users VALIDATE CONSTRAINT users_email_nn;\nALTER TABLE users ALTER COLUMN email SET NOT NULL;' },
      { file: '0003_age/up.sql', sql: 'ALTER TABLE users VALIDATE CONSTRAINT users_age_positive;\nALTER TABLE users ALTER COLUMN age SET NOT NULL;' },
    ]);
    expect(ids(report.findings)).toEqual(['0003_age/up.sql require-check-before-set-not-null@2:19']);
  });

  it('reads only migrations above the baseline into the report, but all of them for context', async () => {
    const sources = [
      { file: 'migrations/0001_users/up.sql', sql: 'CREATE TABLE users (id bigint PRIMARY KEY, name varchar(100));\nCREATE INDEX users_name_idx ON users (name);' },
      { file: 'migrations/0002_more/up.sql', sql: 'ALTER TABLE users ALTER COLUMN name TYPE text;\nCREATE INDEX users_id_name_idx ON users (id, name);' },
    ];
    const report = await lintMigrations(sources, { baseline: '1' });
    expect(report.files).toEqual(['migrations/0002_more/up.sql']);
    expect(ids(report.findings)).toEqual(['migrations/0002_more/up.sql require-concurrent-index-creation@2:1']);
    await expect(lintMigrations(sources, { baseline: 'v1' })).rejects.toThrow(/baseline "v1" is not a version/);
    await expect(lintMigrations([{ file: 'up.sql', sql: 'SELECT 1' }], { baseline: '1' })).rejects.toThrow(/cannot tell the version of up\.sql/);
  });

  it('lints a bundle with its statements on their original lines and its transactional flags', async () => {
    const bundle: MigrationBundle = {
      formatVersion: 1,
      checksum: 'x',
      migrations: [
        {
          version: '0022',
          name: 'indexes',
          checksum: 'a',
          transactional: false,
          up: {
            file: '0022_indexes/up.sql',
            checksum: 'a',
            statements: [
              { sql: 'CREATE INDEX CONCURRENTLY IF NOT EXISTS a_idx\n  ON faktury_faktura (a)', line: 7, nonTransactional: true },
              { sql: 'CREATE INDEX CONCURRENTLY b_idx ON faktury_faktura (b) -- no IF NOT EXISTS', line: 11, nonTransactional: true },
            ],
          },
        },
        {
          version: '0023',
          name: 'constraints',
          checksum: 'b',
          transactional: true,
          up: {
            file: '0023_constraints/up.sql',
            checksum: 'b',
            statements: [
              { sql: 'ALTER TABLE faktury_faktura ADD CONSTRAINT c CHECK (a >= 0) NOT VALID', line: 3, nonTransactional: false },
              { sql: 'ALTER TABLE faktury_faktura VALIDATE CONSTRAINT c', line: 5, nonTransactional: false },
            ],
          },
        },
      ],
    };
    const report = await lintMigrations(bundle);
    expect(ids(report.findings)).toEqual([
      '0022_indexes/up.sql require-rerunnable-statements@11:1',
      '0023_constraints/up.sql require-validate-in-later-migration@5:29',
    ]);
  });
});
