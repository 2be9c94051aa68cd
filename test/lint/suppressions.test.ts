import { beforeAll, describe, expect, it } from 'vitest';
import { lintSql } from '../../lambda/lint/lint-sql';
import { loadLinter } from '../../lambda/lint/sql-parser';

beforeAll(() => loadLinter());

const lint = (sql: string, config?: Parameters<typeof lintSql>[1]['config']) =>
  lintSql(sql, { file: 'up.sql', ...(config ? { config } : {}) });
const ids = (sql: string, config?: Parameters<typeof lintSql>[1]['config']) => lint(sql, config).map((f) => `${f.ruleId}@${f.line}:${f.column}`);

describe('suppression comments', () => {
  it('silences the named rule on the next statement when it gives a reason', () => {
    const sql = [
      '-- rds-migrate-lint-ignore require-concurrent-index-creation: table has 200 rows, built at deploy',
      'CREATE INDEX small_idx ON settings (key);',
      'CREATE INDEX other_idx ON settings (value);',
    ].join('\n');
    expect(ids(sql)).toEqual(['require-concurrent-index-creation@3:1']);
  });

  it('does not apply without a reason, and reports itself', () => {
    const sql = '-- rds-migrate-lint-ignore require-concurrent-index-creation\nCREATE INDEX small_idx ON settings (key);';
    const findings = lint(sql);
    expect(findings.map((f) => `${f.ruleId}@${f.line}:${f.column}`)).toEqual([
      'invalid-suppression@1:1',
      'require-concurrent-index-creation@2:1',
    ]);
    expect(findings[0]!.message).toMatch(/gives no reason/);
    expect(findings[0]!.statement).toBe('rds-migrate-lint-ignore require-concurrent-index-creation');
  });

  it('treats a colon with nothing after it as no reason', () => {
    expect(ids('-- rds-migrate-lint-ignore ban-drop-table:   \nDROP TABLE t;')).toEqual(['invalid-suppression@1:1', 'ban-drop-table@2:1']);
  });

  it('names the unknown rule in a typo', () => {
    const [finding] = lint('-- rds-migrate-lint-ignore ban-drop-tables: gone\nDROP TABLE t;');
    expect(finding!.ruleId).toBe('invalid-suppression');
    expect(finding!.message).toContain('"ban-drop-tables"');
  });

  it('takes several rule ids, comma or space separated, in a block comment', () => {
    const sql = '/* rds-migrate-lint-ignore ban-drop-column, ban-rename-column: columns unused since 3.1 */\nALTER TABLE t DROP COLUMN a;\n' +
      '/*\n * rds-migrate-lint-ignore ban-drop-column ban-truncate-cascade: cleanup\n */\nALTER TABLE t DROP COLUMN b;';
    // the second suppression names ban-truncate-cascade too, which nothing there triggers: that is not reported
    // as unused because the suppression as a whole was used.
    expect(ids(sql)).toEqual([]);
  });

  it('applies from inside the statement, not to the statement after it', () => {
    const sql = 'ALTER TABLE t\n  -- rds-migrate-lint-ignore ban-drop-column: unused since 1.4\n  DROP COLUMN a;\nALTER TABLE t DROP COLUMN b;';
    expect(ids(sql)).toEqual(['ban-drop-column@4:15']);
  });

  it('reports a suppression that suppresses nothing', () => {
    const findings = lint('-- rds-migrate-lint-ignore ban-drop-table: leftover\nCREATE TABLE t (id bigint);');
    expect(findings.map((f) => f.ruleId)).toEqual(['unused-suppression']);
    expect(findings[0]!.severity).toBe('warning');
  });

  it('does not call a suppression unused when its rule is turned off', () => {
    expect(ids('-- rds-migrate-lint-ignore ban-drop-table: legacy\nDROP TABLE t;', { rules: { 'ban-drop-table': 'off' } })).toEqual([]);
  });

  it('does not call a suppression unused when the finding was dropped for a small table', () => {
    const findings = lintSql('-- rds-migrate-lint-ignore require-concurrent-index-creation: small\nCREATE INDEX i ON settings (key);', {
      file: 'up.sql',
      tableSizes: new Map([['settings', 12]]),
    });
    expect(findings).toEqual([]);
  });

  it('reports a suppression after the last statement as unused', () => {
    expect(ids('DROP TABLE t; -- rds-migrate-lint-ignore ban-drop-table: trailing comments belong to the next statement')).toEqual([
      'ban-drop-table@1:1',
      'unused-suppression@1:15',
    ]);
  });
});
