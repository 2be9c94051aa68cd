import { beforeAll, describe, expect, it } from 'vitest';
import { loadLinter } from '../../lambda/lint/sql-parser';
import { lintSql } from '../../lambda/lint/lint-sql';
import { RULE_IDS } from '../../lambda/lint/rule-catalog';
import { CORPUS } from './rule-corpus';

beforeAll(() => loadLinter());

const positions = (sql: string, options: Parameters<typeof lintSql>[1]) =>
  lintSql(sql, options).map((f) => `${f.ruleId}@${f.line}:${f.column}`);

describe('rule corpus', () => {
  it('has at least two bad and two good cases for every rule', () => {
    for (const rule of RULE_IDS) {
      const cases = CORPUS.filter((c) => c.rule === rule);
      expect(cases.filter((c) => c.kind === 'bad').length, rule).toBeGreaterThanOrEqual(2);
      expect(cases.filter((c) => c.kind === 'good').length, rule).toBeGreaterThanOrEqual(2);
    }
  });

  it.each(CORPUS.map((c) => [`${c.rule} ${c.kind}: ${c.name}`, c] as const))('%s', (_, c) => {
    const found = positions(c.sql, { file: 'up.sql', ...c.options });
    expect([...found].sort()).toEqual([...c.expect].sort());
    if (c.kind === 'bad') expect(found).toContain(c.expect.find((e) => e.startsWith(`${c.rule}@`)));
  });
});
