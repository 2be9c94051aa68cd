/**
 * Record lines (`line-format.ts`) against PostgreSQL's own record text: rows of arbitrary text values
 * rendered by PostgreSQL as `ROW(...)::text`, joined by `\n` and cut anywhere, are split by `LineScanner`
 * exactly at the row ends, and each line read back by PostgreSQL (`line::<row type>`, record_in) gives the
 * very values rendered.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countLines, LineScanner } from '../../lambda/snapshot/line-format';
import { createTestDatabase, type TestDatabase } from '../support/database';

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase('line_format');
  await db.sql('CREATE TYPE line_row AS (a text, b text, c text, d text[])');
});
afterAll(async () => {
  await db?.drop();
});

interface LineRow {
  readonly a: string | null;
  readonly b: string | null;
  readonly c: string | null;
  readonly d: (string | null)[] | null;
}

/** Any character PostgreSQL text holds (not NUL, no lone surrogate), weighted to what record text quotes or escapes. */
const character = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('\n', '\r', '"', '\\', ',', '(', ')', ' ', '\t', '{', '}', '""', '\\"', '\r\n', 'NULL') },
  { weight: 1, arbitrary: fc.constantFrom('a', 'Z', '0', 'é', '€', '𝄞', '中', '\u2028', '\u0001', '\u001f', '\u007f') },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 0x10ffff }).filter((cp) => cp < 0xd800 || cp > 0xdfff).map((cp) => String.fromCodePoint(cp)) },
);
/** A text value: empty strings and NULLs included. */
const value = fc.option(fc.string({ unit: character, maxLength: 12 }), { nil: null, freq: 6 });
const row: fc.Arbitrary<LineRow> = fc.record({ a: value, b: value, c: value, d: fc.option(fc.array(value, { maxLength: 4 }), { nil: null, freq: 4 }) });

/** PostgreSQL's record text of each row (`ROW(a, b, c, d)::text`), in order. */
async function render(rows: readonly LineRow[]): Promise<string[]> {
  const { rows: lines } = await db.sql(
    `SELECT ROW(x.a, x.b, x.c, x.d)::text AS line FROM json_populate_recordset(NULL::line_row, $1::json) WITH ORDINALITY AS x (a, b, c, d, n) ORDER BY x.n`,
    [JSON.stringify(rows)],
  );
  return lines.map((r: { line: string }) => r.line);
}

/** Each line read back by PostgreSQL as a `line_row` (record_in), in order. */
async function parse(lines: readonly string[]): Promise<LineRow[]> {
  const { rows } = await db.sql(
    `SELECT (r).a, (r).b, (r).c, (r).d FROM (SELECT l::line_row AS r, n FROM unnest($1::text[]) WITH ORDINALITY AS u (l, n) OFFSET 0) AS x ORDER BY n`,
    [lines],
  );
  return rows as LineRow[];
}

/** `bytes` cut at `cuts` (positions taken modulo its length + 1, in any order, repeats making empty chunks). */
function cut(bytes: Buffer, cuts: readonly number[]): Buffer[] {
  const at = [0, ...cuts.map((c) => c % (bytes.length + 1)).sort((x, y) => x - y), bytes.length];
  return at.slice(1).map((end, i) => bytes.subarray(at[i]!, end));
}

/** The last line end before `limit` as a restore batch finds it: the scanner's ends of the bytes before it. */
const lastEndBefore = (bytes: Buffer, format: 'record' | 'json', limit: number) => new LineScanner(format).ends(bytes.subarray(0, limit)).at(-1) ?? -1;

describe('LineScanner over record lines rendered by PostgreSQL', () => {
  it('finds exactly the row ends however the bytes are cut, and every line reads back as the values rendered', async () => {
    let linesWithBreaks = 0;
    let cutsInsideLines = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(row, { minLength: 1, maxLength: 12 }), fc.array(fc.nat(), { maxLength: 8 }), fc.nat(), async (rows, cuts, limit) => {
        const lines = await render(rows);
        expect(lines).toHaveLength(rows.length);
        linesWithBreaks += lines.filter((line) => line.includes('\n')).length;
        const bytes = Buffer.from(lines.map((line) => `${line}\n`).join(''), 'utf8');
        // The row ends: after each line's bytes.
        const expected: number[] = [];
        for (const line of lines) expected.push((expected.at(-1) ?? -1) + Buffer.byteLength(line, 'utf8') + 1);

        // Scanned chunk after chunk, the quoting carried over: the same ends, in stream offsets.
        const chunks = cut(bytes, cuts);
        const scanner = new LineScanner('record');
        const found: number[] = [];
        let offset = 0;
        for (const chunk of chunks) {
          for (const end of scanner.ends(chunk)) found.push(offset + end);
          offset += chunk.length;
          if (offset > 0 && offset < bytes.length && !expected.includes(offset - 1)) cutsInsideLines += 1;
        }
        expect(found).toEqual(expected);
        expect(countLines(chunks, 'record')).toBe(rows.length);
        // The line ends before a limit (how a restore batch is cut): the last one is the last row end below it.
        const before = limit % (bytes.length + 2);
        expect(lastEndBefore(bytes, 'record', before)).toBe(expected.filter((end) => end < before).at(-1) ?? -1);

        // Each line as found, read back by PostgreSQL: the values rendered, NULL and '' told apart.
        const split = found.map((end, i) => bytes.toString('utf8', i === 0 ? 0 : found[i - 1]! + 1, end));
        expect(split).toEqual(lines);
        expect(await parse(split)).toEqual(rows.map((r) => ({ a: r.a, b: r.b, c: r.c, d: r.d })));
      }),
      { numRuns: 200 },
    );
    // The property was not vacuous: lines held raw line breaks, and chunks were cut inside lines.
    expect(linesWithBreaks).toBeGreaterThan(100);
    expect(cutsInsideLines).toBeGreaterThan(200);
  });
});

describe('LineScanner', () => {
  it('carries the quoting across chunks, and counts doubled quotes as two', () => {
    // The lines (1,"a\nb""","\n") and (2,x), in four chunks.
    const scanner = new LineScanner('record');
    expect(scanner.ends(Buffer.from('(1,"a\n'))).toEqual([]);
    expect(scanner.ends(Buffer.from('b""'))).toEqual([]);
    expect(scanner.ends(Buffer.from('","\n'))).toEqual([]);
    expect(scanner.ends(Buffer.from('")\n(2,x)\n'))).toEqual([2, 8]);
    expect(new LineScanner('record').ends(Buffer.from('("a""\n""b")\n'))).toEqual([11]);
  });

  it('for JSON lines, ends a line at every \\n', () => {
    expect(new LineScanner('json').ends(Buffer.from('{"a":"\n"}\n'))).toEqual([6, 9]);
    expect(countLines([Buffer.from('{}\n{'), Buffer.from('}\n')], 'json')).toBe(2);
    expect(lastEndBefore(Buffer.from('{}\n{}\n'), 'json', 5)).toBe(2);
    expect(lastEndBefore(Buffer.from('{}\n{}\n'), 'json', 0)).toBe(-1);
  });

  it('stops where onEnd returns false, and scans only [from, to)', () => {
    const bytes = Buffer.from('(1)\n("\n")\n(3)\n');
    expect(new LineScanner('record').scan(bytes, () => false)).toBe(3);
    const seen: number[] = [];
    expect(new LineScanner('record').scan(bytes, (at) => void seen.push(at), 4, 10)).toBe(-1);
    expect(seen).toEqual([9]);
    expect(lastEndBefore(bytes, 'record', 9)).toBe(3);
    expect(lastEndBefore(bytes, 'record', 10)).toBe(9);
  });
});
