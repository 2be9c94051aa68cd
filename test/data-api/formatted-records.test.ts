import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ResultSetOptions } from '../../local/data-api/requests';
import { toJsonValue, writeFormattedRecords, type ResultColumn } from '../../local/data-api/result-mapping';
import type { ColumnType, ValueKind } from '../../local/data-api/type-catalog';
import { Utf8Builder } from '../../local/data-api/utf8-builder';

const type = (name: string, kind: ValueKind, element?: ColumnType): ColumnType => ({ oid: 0, name, kind, element, jdbcType: 0 });
const TYPES = {
  int4: type('int4', 'long'),
  float8: type('float8', 'double'),
  numeric: type('numeric', 'decimal'),
  bool: type('bool', 'boolean'),
  bytea: type('bytea', 'blob'),
  text: type('text', 'string'),
  _int4: type('_int4', 'long', type('int4', 'long')),
  _text: type('_text', 'string', type('text', 'string')),
};
type TypeName = keyof typeof TYPES;
const OPTIONS: ResultSetOptions = { decimalReturnType: 'STRING', longReturnType: 'LONG' };

/** What writeFormattedRecords writes, and the size it returns. */
function written(columns: ResultColumn[], types: ColumnType[], rows: (string | null)[][]): { escaped: string; bytes: number } {
  const out = new Utf8Builder();
  const bytes = writeFormattedRecords(out, columns, types, rows, OPTIONS);
  return { escaped: out.toBuffer().toString('utf8'), bytes };
}

/** What the server sent before formattedRecords was written in pieces: the objects, stringified, then stringified again into the body. */
function reference(names: string[], types: ColumnType[], rows: (string | null)[][]): { escaped: string; bytes: number } {
  const records = rows.map((row) => Object.fromEntries(names.map((name, i) => [name, toJsonValue(types[i]!, row[i] ?? null, OPTIONS)])));
  const json = JSON.stringify(records);
  return { escaped: JSON.stringify(json).slice(1, -1), bytes: Buffer.byteLength(json) };
}

function check(columns: [string, TypeName][], rows: (string | null)[][]): void {
  const names = columns.map(([name]) => name);
  const types = columns.map(([, t]) => TYPES[t]);
  const fields: ResultColumn[] = names.map((name) => ({ name, dataTypeID: 0, dataTypeModifier: -1 }));
  expect(written(fields, types, rows)).toEqual(reference(names, types, rows));
}

describe('writeFormattedRecords', () => {
  it('writes the text JSON.stringify gives for the objects, escaped for the body, with its UTF-8 size', () => {
    const long = Buffer.alloc(40_000, 7).toString('base64');
    check(
      [['id', 'int4'], ['piece', 'text'], ['x', 'float8'], ['n', 'numeric'], ['b', 'bool'], ['bin', 'bytea'], ['ai', '_int4'], ['at', '_text']],
      [
        ['1', long, '1.5', '2.50', 't', '\\x0102', '{1,NULL,3}', '{"a\\"b",NULL,"c\\\\d",ł}'],
        ['-2', `${long}"`, 'NaN', '1e400', 'f', '\\x', '{}', '{}'],
        ['3', 'a"b\\c\n\t\u0001\u007f', '0', '0', 't', null, null, null],
        [null, 'żółć 😀 \u2028'.repeat(200), 'Infinity', '-0', null, null, null, null],
      ],
    );
    check([['v', 'text']], []);
  });

  it("keeps the objects' key order and duplicate rule: integer-like names first, a later column of the same name wins at the first one's place", () => {
    check([['a', 'int4'], ['2', 'int4'], ['b', 'text'], ['a', 'text'], ['1', 'int4'], ['01', 'int4'], ['__proto__', 'int4'], ['we"ird\\', 'int4'], ['', 'int4']], [
      ['1', '2', 'x', 'y', '3', '4', '5', '6', '7'],
      ['8', null, 'z', null, '9', '10', '11', '12', '13'],
    ]);
  });

  it('fails on an unsupported value that a later column of its name hides, as mapping every column did', () => {
    const fields: ResultColumn[] = ['a', 'a'].map((name) => ({ name, dataTypeID: 0, dataTypeModifier: -1 }));
    expect(() => written(fields, [TYPES._int4, TYPES.int4], [['{{1}}', '1']])).toThrow(/multidimensional/);
  });

  it('matches the reference for any text values and column names', () => {
    const name = fc.oneof(fc.string({ maxLength: 3 }), fc.constantFrom('1', '0', '10', 'a'));
    const column = fc.tuple(name, fc.constantFrom<TypeName>('text', 'bytea', 'int4'));
    const text = fc.oneof(fc.string({ unit: 'grapheme' }), fc.string({ unit: 'binary' }), fc.base64String());
    // A value as PostgreSQL would print it for the column's type, made from the generated text.
    const printed = (t: TypeName | undefined, v: string | null): string | null =>
      v === null ? null : t === 'int4' ? String(v.length) : t === 'bytea' ? `\\x${Buffer.from(v).toString('hex')}` : v;
    fc.assert(
      fc.property(
        fc.array(column, { minLength: 1, maxLength: 5 }),
        fc.array(fc.array(fc.option(text), { minLength: 5, maxLength: 5 }), { maxLength: 4 }),
        (columns, values) => check(columns, values.map((row) => row.map((v, i) => printed(columns[i]?.[1], v)))),
      ),
      { numRuns: 300 },
    );
  });
});
