import { beforeAll, describe, expect, it } from 'vitest';
import { LintConfigError, parseLintConfig, resolveLintConfig } from '../../lambda/lint/lint-config';
import { lintSql } from '../../lambda/lint/lint-sql';
import { RULES } from '../../lambda/lint/rule-catalog';
import { loadLinter } from '../../lambda/lint/sql-parser';

beforeAll(() => loadLinter());

const SQL = 'CREATE TABLE t (id serial PRIMARY KEY, at timestamp);\nCREATE INDEX i ON orders (at);';

describe('severity configuration', () => {
  it('uses each rule\'s default severity', () => {
    const findings = lintSql(SQL, { file: 'up.sql' });
    expect(findings.map((f) => [f.ruleId, f.severity])).toEqual([
      ['prefer-bigint-primary-key', 'warning'],
      ['prefer-timestamptz', 'warning'],
      ['require-concurrent-index-creation', 'error'],
    ]);
  });

  it('raises, lowers and turns off rules', () => {
    const findings = lintSql(SQL, {
      file: 'up.sql',
      config: { rules: { 'prefer-timestamptz': 'error', 'require-concurrent-index-creation': 'warning', 'prefer-bigint-primary-key': 'off' } },
    });
    expect(findings.map((f) => [f.ruleId, f.severity])).toEqual([
      ['prefer-timestamptz', 'error'],
      ['require-concurrent-index-creation', 'warning'],
    ]);
  });

  it('can turn syntax errors into warnings but still reports them', () => {
    const findings = lintSql('SELEC 1', { file: 'x.sql', config: { rules: { 'syntax-error': 'warning' } } });
    expect(findings.map((f) => [f.ruleId, f.severity])).toEqual([['syntax-error', 'warning']]);
  });

  it('refuses unknown rule ids, bad severities and a bad smallTableRows, naming each field', () => {
    const error = (() => {
      try {
        parseLintConfig({ rules: { 'no-such-rule': 'error', 'ban-drop-table': 'fatal' }, smallTableRows: -1, extra: true }, 'lint.json');
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(LintConfigError);
    const issues = (error as LintConfigError).issues.join('\n');
    expect(issues).toMatch(/rules\.no-such-rule: unknown rule id/);
    expect(issues).toMatch(/rules\.ban-drop-table: must be "error", "warning" or "off"/);
    expect(issues).toMatch(/smallTableRows: must be 0 or more rows/);
    expect(issues).toMatch(/extra/);
    expect((error as Error).message).toMatch(/^Invalid lint configuration in lint\.json/);
  });

  it('rejects a bad config passed to lintSql too', () => {
    expect(() => lintSql('SELECT 1', { file: 'x.sql', config: { smallTableRows: 1.5 } })).toThrow(/smallTableRows: must be a whole number/);
  });

  it('fills defaults', () => {
    const resolved = resolveLintConfig({ rules: { 'ban-char-type': 'error' } });
    expect(resolved.smallTableRows).toBe(10_000);
    expect(resolved.severities.get('ban-char-type')).toBe('error');
    expect(resolved.severities.size).toBe(RULES.length);
  });
});
