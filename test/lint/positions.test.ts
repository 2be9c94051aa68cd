import { beforeAll, describe, expect, it } from 'vitest';
import { lintSql } from '../../lambda/lint/lint-sql';
import { SourceText } from '../../lambda/lint/source-text';
import { loadLinter } from '../../lambda/lint/sql-parser';

beforeAll(() => loadLinter());

describe('SourceText', () => {
  const text = new SourceText('ab\né😀x\n\nz');
  // bytes: a b \n | é(2) 😀(4) x \n | \n | z

  it('maps byte offsets to 1-based lines and character columns', () => {
    expect(text.positionOfByte(0)).toEqual({ line: 1, column: 1 });
    expect(text.positionOfByte(2)).toEqual({ line: 1, column: 3 });
    expect(text.positionOfByte(3)).toEqual({ line: 2, column: 1 });
    expect(text.positionOfByte(5)).toEqual({ line: 2, column: 2 }); // the emoji after é
    expect(text.positionOfByte(9)).toEqual({ line: 2, column: 3 }); // x
    expect(text.positionOfByte(11)).toEqual({ line: 3, column: 1 });
    expect(text.positionOfByte(12)).toEqual({ line: 4, column: 1 });
  });

  it('counts an offset inside a multi-byte character as that character, and clamps', () => {
    expect(text.positionOfByte(4)).toEqual({ line: 2, column: 1 });
    expect(text.positionOfByte(7)).toEqual({ line: 2, column: 2 });
    expect(text.positionOfByte(-5)).toEqual({ line: 1, column: 1 });
    expect(text.positionOfByte(1000)).toEqual({ line: 4, column: 2 });
  });

  it('converts character indexes (the parser\'s error cursor) to byte offsets', () => {
    expect(text.byteOfCharacter(0)).toBe(0);
    expect(text.byteOfCharacter(3)).toBe(3); // é
    expect(text.byteOfCharacter(4)).toBe(5); // 😀, one character for PostgreSQL
    expect(text.byteOfCharacter(5)).toBe(9);
    expect(text.byteOfCharacter(99)).toBe(text.byteLength);
  });
});

describe('finding positions with multi-byte text', () => {
  it('reports the column in characters after accents and emoji on the same line', () => {
    const sql = "SELECT 'żółć 😀'; CREATE INDEX i ON orders (a);";
    const [finding] = lintSql(sql, { file: 'up.sql' });
    expect(finding).toMatchObject({ ruleId: 'require-concurrent-index-creation', line: 1, column: 18 });
  });

  it('places a syntax error after an emoji at the character PostgreSQL names', () => {
    const [finding] = lintSql("-- 😀😀\nSELECT '😀' FROM;", { file: 'up.sql' });
    expect(finding).toMatchObject({ ruleId: 'syntax-error', line: 2, column: 16 });
    expect(finding!.message).toBe('PostgreSQL cannot parse up.sql: syntax error at or near ";".');
    expect(finding!.statement).toBe("SELECT '😀' FROM;");
  });

  it('reports a NUL character where it is', () => {
    const [finding] = lintSql('SELECT 1;\nSELECT é\u0000;', { file: 'up.sql' });
    expect(finding).toMatchObject({ ruleId: 'syntax-error', line: 2, column: 9 });
    expect(finding!.message).toContain('NUL character');
  });

  it('ignores a byte order mark at the start of the file', () => {
    const findings = lintSql('\uFEFFCREATE INDEX i ON orders (a);', { file: 'up.sql' });
    expect(findings.map((f) => [f.ruleId, f.line, f.column])).toEqual([['require-concurrent-index-creation', 1, 2]]);
  });

  it('handles CRLF line endings', () => {
    const findings = lintSql('SELECT 1;\r\n\r\nCREATE INDEX i ON orders (a);\r\n', { file: 'up.sql' });
    expect(findings.map((f) => [f.line, f.column])).toEqual([[3, 1]]);
  });

  it('keeps the statement text of a SQL-standard function body with inner semicolons whole', () => {
    const sql = 'CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2; END;\nDROP TABLE t;';
    const findings = lintSql(sql, { file: 'up.sql' });
    expect(findings.map((f) => [f.ruleId, f.line, f.column, f.statement])).toEqual([['ban-drop-table', 2, 1, 'DROP TABLE t']]);
  });
});
