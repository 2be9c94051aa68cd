import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { splitStatements } from '../../lambda/migrations/split-statements';
import { loadSqlParser } from '../../lambda/migrations/sql-parser';

beforeAll(() => loadSqlParser());

/** Text full of characters that confuse naive splitters, including multi-byte ones. */
const tricky = fc
  .array(fc.constantFrom('a', 'Z', '7', ' ', ';', "'", '"', '-', '--', '/', '*', '/*', '*/', '$', '$$', '\\', '\n', '\r\n', '\t', 'é', 'ß', '😀', '中'), {
    maxLength: 12,
  })
  .map((parts) => parts.join(''));

interface Generated {
  readonly sql: string;
  readonly nonTransactional: boolean;
}
const plain = (sql: string): Generated => ({ sql, nonTransactional: false });

/** One statement (no trailing semicolon), from templates whose bodies hold `tricky` text. */
const statement: fc.Arbitrary<Generated> = fc.oneof(
  fc.integer().map((n) => plain(`SELECT ${n}`)),
  tricky.map((s) => plain(`SELECT '${s.replaceAll("'", "''")}' AS quoted`)),
  tricky.map((s) => plain(`SELECT E'${s.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}' AS escaped`)),
  tricky.map((s) => plain(`SELECT $q$${s.replaceAll('$', '')}$q$ AS dollar`)),
  tricky.map((s) => plain(`SELECT $$${s.replaceAll('$', '')}$$`)),
  tricky
    .filter((s) => s.length > 0 && Buffer.byteLength(s) < 60)
    .map((s) => plain(`SELECT 1 AS "${s.replaceAll('"', '""')}"`)),
  tricky.map((s) => plain(`SELECT 1 /* ${s.replaceAll('*', '').replaceAll('/', '')} */ + 2`)),
  tricky.map((s) => plain(`SELECT 1 -- ${s.replace(/[\r\n]/g, '')}\n  + 2`)),
  tricky.map((s) => plain(`CREATE FUNCTION f() RETURNS text LANGUAGE sql AS $fn$ SELECT '${s.replaceAll("'", "''").replaceAll('$', '')}'; $fn$`)),
  fc.nat(99).map((n) => plain(`CREATE TABLE t${n} (a int, b text DEFAULT ';')`)),
  fc.nat(99).map((n) => ({ sql: `CREATE INDEX CONCURRENTLY i${n} ON t (a)`, nonTransactional: true })),
);

/** What may stand between statements: whitespace, comments (nested ones too), empty statements. */
const filler = fc
  .array(
    fc.oneof(
      fc.constantFrom(' ', '\n', '\t', '\r\n', ';'),
      tricky.map((s) => `-- ${s.replace(/[\r\n]/g, '')}\n`),
      tricky.map((s) => `/* ${s.replaceAll('*', '').replaceAll('/', '')} */`),
      tricky.map((s) => `/* outer /* ${s.replaceAll('*', '').replaceAll('/', '')} */ still outer */`),
    ),
    { maxLength: 4 },
  )
  .map((parts) => parts.join(''));

/** Whitespace or comments only (no `;`): what may stand between a statement and its semicolon. */
const beforeSemicolon = filler.map((f) => f.replaceAll(';', ' '));

/** 1-based line of `index` in `text` (lines end at `\n`; `\r\n` counts once). */
const lineAt = (text: string, index: number) => text.slice(0, index).split('\n').length;

describe('splitStatements (property)', () => {
  it('gives back the statements joined with semicolons, comments and whitespace, with their lines', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(statement, beforeSemicolon, filler), { minLength: 1, maxLength: 6 }),
        filler,
        fc.boolean(),
        (parts, head, finalSemicolon) => {
          let file = head;
          const expected: Array<{ sql: string; line: number; nonTransactional: boolean }> = [];
          parts.forEach(([generated, gap, after], i) => {
            file += file === '' || /\s$/.test(file) ? '' : '\n';
            expected.push({ sql: generated.sql, line: lineAt(file, file.length), nonTransactional: generated.nonTransactional });
            file += generated.sql;
            const last = i === parts.length - 1;
            file += last && !finalSemicolon ? gap : `${gap};${after}`;
          });
          expect(splitStatements(file, 'generated.sql')).toEqual(expected);
        },
      ),
      { numRuns: 300 },
    );
  });
});
