import { beforeAll, describe, expect, it } from 'vitest';
import { formatFindings, formatReport } from '../../lambda/lint/format-findings';
import { lintMigrations } from '../../lambda/lint/lint-migrations';
import { lintSql } from '../../lambda/lint/lint-sql';
import { loadLinter } from '../../lambda/lint/sql-parser';

beforeAll(() => loadLinter());

describe('formatFindings', () => {
  it('prints file:line:column rule-id message with the suggestion indented beneath', () => {
    const findings = lintSql('SELECT 1;\nCREATE INDEX orders_total_idx ON orders (total);', { file: '0007_orders/up.sql' });
    expect(formatFindings(findings)).toBe(
      '0007_orders/up.sql:2:1 require-concurrent-index-creation CREATE INDEX on existing table orders without CONCURRENTLY: ' +
        'the build holds a SHARE lock that blocks every INSERT, UPDATE and DELETE on orders until it finishes.\n' +
        '    Build it concurrently, in a migration of its own (CONCURRENTLY cannot run inside a transaction; rds-migrate runs such a migration statement by statement):\n' +
        '    CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_total_idx ON orders (total);\n' +
        '    A failed concurrent build leaves an INVALID index behind (pg_index.indisvalid = false); rds-migrate drops it before retrying the statement.\n' +
        "    On a partitioned table (no CONCURRENTLY there): CREATE INDEX ... ON ONLY the parent, build each partition's index CONCURRENTLY, then ALTER INDEX ... ATTACH PARTITION each one.\n",
    );
    expect(formatFindings([])).toBe('');
  });
});

describe('formatReport and --json', () => {
  it('ends with a summary and round-trips through JSON', async () => {
    const report = await lintMigrations([
      { file: '0001_a/up.sql', sql: 'CREATE TABLE a (id serial PRIMARY KEY);' },
      { file: '0002_b/up.sql', sql: 'DROP TABLE b;' },
    ]);
    expect(report.errorCount).toBe(1);
    expect(report.warningCount).toBe(1);
    const text = formatReport(report);
    expect(text.split('\n').filter((l) => /^\S+:\d+:\d+ /.test(l))).toEqual([
      expect.stringMatching(/^0001_a\/up\.sql:1:20 prefer-bigint-primary-key /),
      expect.stringMatching(/^0002_b\/up\.sql:1:1 ban-drop-table /),
    ]);
    expect(text.endsWith('1 error, 1 warning in 2 files\n')).toBe(true);
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
  });
});
