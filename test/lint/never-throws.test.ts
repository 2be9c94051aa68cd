import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { lintSql } from '../../lambda/lint/lint-sql';
import { RULE_IDS } from '../../lambda/lint/rule-catalog';
import { loadLinter } from '../../lambda/lint/sql-parser';

/**
 * The linter must never throw on SQL text, whatever it is: every input yields findings (possibly a
 * syntax-error) with positions inside the text.
 */

beforeAll(() => loadLinter());

const TOKENS = [
  'CREATE', 'INDEX', 'CONCURRENTLY', 'IF', 'NOT', 'EXISTS', 'ON', 'TABLE', 'ALTER', 'ADD', 'DROP', 'COLUMN', 'CONSTRAINT',
  'CHECK', 'FOREIGN', 'KEY', 'REFERENCES', 'UNIQUE', 'PRIMARY', 'USING', 'VALID', 'VALIDATE', 'SET', 'NULL', 'DEFAULT',
  'TYPE', 'RENAME', 'TO', 'TRUNCATE', 'CASCADE', 'BEGIN', 'COMMIT', 'REINDEX', 'VALUE', 'BEFORE', 'AFTER', 'SELECT',
  'int', 'bigint', 'serial', 'varchar(10)', 'char(3)', 'timestamp', 'text', 'numeric(10,2)', 'gen_random_uuid()', 'now()',
  't', 'orders', 'app.users', '"Quoted ""x"""', `"${'é'.repeat(40)}"`, 'x'.repeat(70), '(', ')', ',', ';', '.', '::', '=',
  "'str'", "E'\\n'", '$$', '$tag$', '$1', ':name', '--', '/*', '*/', '\n', ' ', '😀', 'żółć', '\u0000', '\uFEFF',
  '-- rds-migrate-lint-ignore ban-drop-table: why\n', '-- rds-migrate-lint-ignore nope\n', '/* rds-migrate-lint-ignore */',
];

const tokenSoup = fc.array(fc.constantFrom(...TOKENS), { maxLength: 40 }).map((parts) => parts.join(' '));
const dollarQuotes = fc
  .tuple(fc.constantFrom('', 'tag', 'a_b'), fc.string({ maxLength: 30 }), fc.boolean(), fc.constantFrom('', 'CREATE TABLE t (a int);', 'SELECT 1;'))
  .map(([tag, body, close, tail]) => `DO $${tag}$ BEGIN ${body} ${close ? `END $${tag}$` : ''}; ${tail}`);

function assertWellFormed(sql: string): void {
  const findings = lintSql(sql, { file: 'prop.sql' });
  const lines = sql.split('\n').length;
  for (const finding of findings) {
    expect(RULE_IDS).toContain(finding.ruleId);
    expect(finding.line).toBeGreaterThanOrEqual(1);
    expect(finding.line).toBeLessThanOrEqual(lines);
    expect(finding.column).toBeGreaterThanOrEqual(1);
    expect(finding.message.length).toBeGreaterThan(0);
  }
}

describe('lintSql never throws', () => {
  it('on random strings', () => {
    fc.assert(fc.property(fc.string({ maxLength: 200, unit: 'binary' }), (sql) => assertWellFormed(sql)), { numRuns: 400 });
  });

  it('on random token soups', () => {
    fc.assert(fc.property(tokenSoup, (sql) => assertWellFormed(sql)), { numRuns: 600 });
  });

  it('on unbalanced dollar quotes', () => {
    fc.assert(fc.property(dollarQuotes, (sql) => assertWellFormed(sql)), { numRuns: 300 });
  });

  it('on deep nesting and large input', () => {
    assertWellFormed(`SELECT ${'('.repeat(20000)}1${')'.repeat(20000)};`);
    assertWellFormed(`${'CREATE INDEX i ON t (a);\n'.repeat(3000)}`);
    expect(lintSql(`SELECT ${'('.repeat(20000)}1${')'.repeat(20000)};`, { file: 'x.sql' })[0]!.ruleId).toBe('syntax-error');
  });
});
