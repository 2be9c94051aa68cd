/**
 * The types a restore trusts to read their text back exactly (`exact-text-types.ts`), on real PostgreSQL:
 * which column types `exactTextSql` accepts, and, for every listed type and an array of it, that edge
 * values rendered as record text under the export's settings read back to the same text (the contract the
 * restore relies on when it does not render rows back).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXACT_TEXT_TYPES, exactTextSql } from '../../lambda/snapshot/restore/exact-text-types';
import { applyExportSettings } from '../../lambda/snapshot/snapshot-settings';
import { createTestDatabase, type TestDatabase } from '../support/database';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase('exact_text');
});
afterAll(async () => {
  await db?.drop();
});

/** One column per listed type, in the list's order, with values at the edges of each. */
const EDGE_VALUES: Record<string, string[]> = {
  boolean: ['true', 'false'],
  bytea: [`'\\x'`, `'\\x00ff7f0a22'`],
  '"char"': [`'a'`, `'\\377'`, `'"'`],
  smallint: ['-32768', '32767'],
  integer: ['-2147483648', '2147483647'],
  bigint: ['-9223372036854775808', '9223372036854775807'],
  real: [`'NaN'`, `'-Infinity'`, `'-0'`, `'1e-45'`, `'3.4028235e38'`, '0.1', '1/3.0'],
  'double precision': [`'NaN'`, `'Infinity'`, `'-0'`, `'5e-324'`, `'1.7976931348623157e308'`, '0.1', '1/3.0'],
  numeric: [`'NaN'`, `'Infinity'`, `'-Infinity'`, `'-0.000'`, `'0.000000001'`, `'123456789012345678901234567890.123456789'`],
  text: [`''`, `E'quotes " \\\\ , ( ) {} \\n\\t\\r ünïcødé 🚀'`, `'NULL'`],
  'character varying': [`''`, `' spaced '`],
  character: [`'a'`, `''`],
  date: [`'infinity'`, `'-infinity'`, `'4713-01-01 BC'`, `'5874897-12-31'`, `'2000-02-29'`],
  'time without time zone': [`'24:00:00'`, `'00:00:00.000001'`],
  'time with time zone': [`'23:59:59.999999+15:59'`, `'00:00-15:59'`, `'12:00+05:30'`],
  'timestamp without time zone': [`'infinity'`, `'4713-01-01 00:00 BC'`, `'294276-12-31 23:59:59.999999'`],
  'timestamp with time zone': [`'-infinity'`, `'2024-02-29 13:14:15.123456+05:30'`, `'1900-01-01 00:00:00+00'`],
  interval: [`'-1 year -2 mons +3 days -04:05:06.789'`, `'178000000 years'`, `'-00:00:00.000001'`, `'1 day -1 second'`],
  uuid: [`'00000000-0000-0000-0000-000000000000'`, `'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'`],
  json: [`'{"a" : 1 ,"a": [2.50, null] }'`, `E'"line\\\\nbreak"'`],
  jsonb: [`'{"b": [1, 2.50, null], "a": "x\\"y", "c": {}}'`, `'12345678901234567890.123456789'`],
  inet: [`'::1/128'`, `'10.1.2.3/8'`, `'192.168.0.1'`],
  cidr: [`'2001:db8::/32'`, `'10.0.0.0/8'`],
  macaddr: [`'08:00:2b:01:02:03'`],
  macaddr8: [`'08:00:2b:01:02:03:04:05'`],
  bit: [`B'1'`, `B'0'`],
  'bit varying': [`B''`, `B'10110'`],
  tsvector: [`'a:1A fat:2B,4C cat:5D'`, `$$'it''s' 'x y':3$$`, `''`],
};

const column = (i: number) => `c${i}`;

describe('EXACT_TEXT_TYPES', () => {
  it('gives edge values for every listed type', () => {
    expect(Object.keys(EDGE_VALUES)).toEqual([...EXACT_TEXT_TYPES]);
  });

  it('reads back every edge value of every listed type, and of an array of it, to the same record text under the export settings', async () => {
    const types = Object.keys(EDGE_VALUES);
    const rows = Math.max(...Object.values(EDGE_VALUES).map((v) => v.length)) + 1;
    await db.sql(`CREATE TABLE edges (${types.map((t, i) => `${column(i)} ${t}, ${column(i)}_a ${t}[]`).join(', ')})`);
    for (let r = 0; r < rows; r++) {
      // The last row is all NULLs; a type with fewer values repeats its first.
      const values = types.map((t) => `(${r === rows - 1 ? 'NULL' : (EDGE_VALUES[t]![r] ?? EDGE_VALUES[t]![0]!)})::${t}`);
      await db.sql(`INSERT INTO edges VALUES (${values.map((v) => `${v}, ARRAY[${v}, NULL, ${v}]`).join(', ')})`);
    }
    const tx = await db.driver().beginTransaction();
    try {
      await applyExportSettings(tx);
      const { rows: answer } = await tx.execute<{ rows: string; differ: string }>(
        `SELECT count(*)::text AS rows, count(*) FILTER (WHERE e::text::edges::text IS DISTINCT FROM e::text)::text AS differ FROM edges e`,
      );
      expect(answer[0]).toEqual({ rows: String(rows), differ: '0' });
    } finally {
      await tx.rollback();
    }
  });

  it('exactTextSql accepts listed types, enums, domains over them and arrays of them; not money, point, ranges, composites, reg*, nested domains, a domain with a typmod', async () => {
    await db.sql(`CREATE TYPE feeling AS ENUM ('sad', 'ok');
      CREATE DOMAIN positive AS integer CHECK (VALUE > 0);
      CREATE DOMAIN very_positive AS positive;
      CREATE DOMAIN codes AS text[];
      CREATE DOMAIN cents AS numeric(12,2);
      CREATE TYPE pair AS (a int, b int);
      CREATE TABLE kinds (amount numeric(12,2), tags text[], f feeling, fs feeling[], p positive, vp very_positive, cs codes,
        cash money, spot point, span int4range, two pair, rel regclass, ps positive[], stamp timestamptz(3), flags bit(3), price cents)`);
    const { rows } = await db.sql(
      `SELECT a.attname AS name, ${exactTextSql('a.atttypid')} AS exact FROM pg_attribute a
        WHERE a.attrelid = 'kinds'::regclass AND a.attnum > 0 ORDER BY a.attnum`,
    );
    expect(Object.fromEntries(rows.map((r) => [r.name, r.exact]))).toEqual({
      amount: true, tags: true, f: true, fs: true, p: true, vp: false, cs: true,
      cash: false, spot: false, span: false, two: false, rel: false, ps: false, stamp: true, flags: true, price: false,
    });
  });
});
