import { BeginTransactionCommand, CommitTransactionCommand } from '@aws-sdk/client-rds-data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type DataApiHarness } from './harness';

let h: DataApiHarness;

beforeAll(async () => {
  h = await startHarness('data_api_fields');
  await h.db.sql(`
    CREATE TYPE mood AS ENUM ('sad', 'happy');
    CREATE TABLE typed (id uuid, doc jsonb, day date, at timestamptz, amount numeric(10,2), n int);
  `);
});
afterAll(() => h.close());

describe('result mapping', () => {
  it('maps scalar types to Field members', async () => {
    const { records } = await h.execute(`
      SELECT 1::int2 AS a, 2::int4 AS b, 9007199254740991::int8 AS c, 1.5::float4 AS d, 2.25::float8 AS e,
             12.30::numeric AS f, true AS g, '\\x00ff'::bytea AS h, 'text' AS i, '{"k": [1]}'::json AS j,
             '{"k":1}'::jsonb AS k, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid AS l, '2024-02-29'::date AS m,
             '12:34:56'::time AS n, '2024-01-02 03:04:05.123456'::timestamp AS o, 'happy'::mood AS p,
             '10.0.0.1'::inet AS q, '1 day'::interval AS r, NULL::int AS s`);
    expect(records![0]).toEqual([
      { longValue: 1 }, { longValue: 2 }, { longValue: 9007199254740991 }, { doubleValue: 1.5 }, { doubleValue: 2.25 },
      { stringValue: '12.30' }, { booleanValue: true }, { blobValue: new Uint8Array([0, 255]) }, { stringValue: 'text' },
      { stringValue: '{"k": [1]}' }, { stringValue: '{"k": 1}' }, { stringValue: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11' },
      { stringValue: '2024-02-29' }, { stringValue: '12:34:56' }, { stringValue: '2024-01-02 03:04:05.123456' },
      { stringValue: 'happy' }, { stringValue: '10.0.0.1' }, { stringValue: '1 day' }, { isNull: true },
    ]);
  });

  it('returns timestamptz in UTC without T or offset, whatever the session time zone', async () => {
    const { transactionId } = await h.client.send(new BeginTransactionCommand({ ...h.target }));
    await h.execute(`SET LOCAL TimeZone = 'Asia/Kolkata'`, { transactionId });
    const { records } = await h.execute(
      `SELECT '2024-01-02 05:04:05.5+05:30'::timestamptz AS a, '2024-03-01 00:00:00-01'::timestamptz AS b, 'infinity'::timestamptz AS c`,
      { transactionId },
    );
    await h.client.send(new CommitTransactionCommand({ ...h.target, transactionId }));
    expect(records![0]).toEqual([{ stringValue: '2024-01-01 23:34:05.5' }, { stringValue: '2024-03-01 01:00:00' }, { stringValue: 'infinity' }]);
  });

  it('maps 1-D arrays to arrayValue, NULL elements included', async () => {
    const { records } = await h.execute(`
      SELECT ARRAY[1, NULL, 3]::int8[] AS a, ARRAY[1.5]::float8[] AS b, ARRAY[true, false] AS c,
             ARRAY['x', 'y z', NULL, 'q"uote'] AS d, ARRAY[1.10]::numeric[] AS e, '{}'::int[] AS f,
             ARRAY['sad', 'happy']::mood[] AS g, ARRAY['2024-01-02 03:04:05+01']::timestamptz[] AS h`);
    expect(records![0]).toEqual([
      { arrayValue: { longValues: [1, null, 3] } },
      { arrayValue: { doubleValues: [1.5] } },
      { arrayValue: { booleanValues: [true, false] } },
      { arrayValue: { stringValues: ['x', 'y z', null, 'q"uote'] } },
      { arrayValue: { stringValues: ['1.10'] } },
      { arrayValue: { longValues: [] } },
      { arrayValue: { stringValues: ['sad', 'happy'] } },
      { arrayValue: { stringValues: ['2024-01-02 02:04:05'] } },
    ]);
  });

  it('reads arrays printed with explicit bounds, and bytea in the escape output format', async () => {
    expect((await h.execute(`SELECT '[0:1]={7,8}'::int[] AS a`)).records).toEqual([[{ arrayValue: { longValues: [7, 8] } }]]);
    const { transactionId } = await h.client.send(new BeginTransactionCommand({ ...h.target }));
    await h.execute(`SET LOCAL bytea_output = 'escape'`, { transactionId });
    const { records } = await h.execute(`SELECT '\\x00415c0a'::bytea AS b`, { transactionId });
    await h.client.send(new CommitTransactionCommand({ ...h.target, transactionId }));
    expect(records).toEqual([[{ blobValue: new Uint8Array([0, 0x41, 0x5c, 0x0a]) }]]);
  });

  it('refuses multi-dimensional arrays and uuid[] with UnsupportedResultException', async () => {
    const multi = await h.failure(h.execute('SELECT ARRAY[[1,2],[3,4]] AS m'));
    expect(multi.name).toBe('UnsupportedResultException');
    expect(multi.$metadata?.httpStatusCode).toBe(400);
    const uuids = await h.failure(h.execute(`SELECT ARRAY['a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid] AS u`));
    expect(uuids.name).toBe('UnsupportedResultException');
    expect(uuids.message).toContain('_uuid');
  });

  it('returns numeric as numbers with DOUBLE_OR_LONG and longs as strings with longReturnType STRING', async () => {
    const { records } = await h.execute('SELECT 12.5::numeric AS a, 42::numeric AS b, 9007199254740993::int8 AS c', {
      resultSetOptions: { decimalReturnType: 'DOUBLE_OR_LONG', longReturnType: 'STRING' },
    });
    expect(records![0]).toEqual([{ doubleValue: 12.5 }, { longValue: 42 }, { stringValue: '9007199254740993' }]);
  });

  it('describes columns in columnMetadata only when includeResultMetadata is set', async () => {
    const plain = await h.execute('SELECT 1::int4 AS n');
    expect(plain.columnMetadata).toBeUndefined();
    const { columnMetadata } = await h.execute(`SELECT 1::int4 AS n, 1.5::numeric(6,2) AS amount, ARRAY['a'] AS tags`, {
      includeResultMetadata: true,
    });
    expect(columnMetadata).toMatchObject([
      { name: 'n', label: 'n', typeName: 'int4', type: 4, isSigned: true, precision: 10 },
      { name: 'amount', typeName: 'numeric', type: 2, precision: 6, scale: 2 },
      { name: 'tags', typeName: '_text', type: 2003, arrayBaseColumnType: 12 },
    ]);
  });

  it('returns formattedRecords as a JSON string keyed by column label with formatRecordsAs JSON', async () => {
    const result = await h.execute(`SELECT 1 AS n, 2.50::numeric AS d, '\\x0102'::bytea AS b, NULL::text AS z, ARRAY[1,2] AS a`, {
      formatRecordsAs: 'JSON',
    });
    expect(result.records).toBeUndefined();
    expect(JSON.parse(result.formattedRecords!)).toEqual([{ n: 1, d: '2.50', b: 'AQI=', z: null, a: [1, 2] }]);
  });

  it('reports numberOfRecordsUpdated for DML and always-empty generatedFields', async () => {
    await h.execute('CREATE TABLE counted (n int)');
    const insert = await h.execute('INSERT INTO counted SELECT generate_series(1, 4)');
    expect(insert).toMatchObject({ numberOfRecordsUpdated: 4, generatedFields: [] });
    expect(insert.records).toBeUndefined();
    const returning = await h.execute('UPDATE counted SET n = n + 1 WHERE n > 2 RETURNING n');
    expect(returning.numberOfRecordsUpdated).toBe(2);
    expect(returning.records).toEqual([[{ longValue: 4 }], [{ longValue: 5 }]]);
    const select = await h.execute('SELECT n FROM counted');
    expect(select.numberOfRecordsUpdated).toBe(0);
  });
});

describe('parameter mapping', () => {
  it('binds each Field member with the type the Data API declares', async () => {
    const { records } = await h.execute(
      `SELECT pg_typeof(:s)::text AS s, pg_typeof(:l)::text AS l, pg_typeof(:d)::text AS d, pg_typeof(:b)::text AS b,
              pg_typeof(:x)::text AS x, :l + 1 AS l1, :d * 2 AS d2, :b AS b1, length(:x) AS xlen, :s AS s1`,
      {
        parameters: [
          { name: 's', value: { stringValue: 'héllo' } },
          { name: 'l', value: { longValue: 41 } },
          { name: 'd', value: { doubleValue: 1.25 } },
          { name: 'b', value: { booleanValue: true } },
          { name: 'x', value: { blobValue: new Uint8Array([1, 2, 3]) } },
        ],
      },
    );
    expect(records![0]).toEqual([
      { stringValue: 'character varying' }, { stringValue: 'bigint' }, { stringValue: 'double precision' },
      { stringValue: 'boolean' }, { stringValue: 'bytea' }, { longValue: 42 }, { doubleValue: 2.5 },
      { booleanValue: true }, { longValue: 3 }, { stringValue: 'héllo' },
    ]);
  });

  it('applies typeHints to string values, and needs them (or a cast) where a plain string is varchar', async () => {
    const id = 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11';
    const withoutHint = await h.failure(
      h.execute('INSERT INTO typed (id) VALUES (:id)', { parameters: [{ name: 'id', value: { stringValue: id } }] }),
    );
    expect(withoutHint.name).toBe('DatabaseErrorException');
    expect(withoutHint.message).toMatch(/column "id" is of type uuid but expression is of type character varying.*SQLState: 42804/);
    await h.execute('INSERT INTO typed (id, doc, day, at, amount, n) VALUES (:id, :doc, :day, :at, :amount, :n)', {
      parameters: [
        { name: 'id', value: { stringValue: id }, typeHint: 'UUID' },
        { name: 'doc', value: { stringValue: '{"a": 1}' }, typeHint: 'JSON' },
        { name: 'day', value: { stringValue: '2024-02-29' }, typeHint: 'DATE' },
        { name: 'at', value: { stringValue: '2024-02-29 10:00:00' }, typeHint: 'TIMESTAMP' },
        { name: 'amount', value: { stringValue: '12.345' }, typeHint: 'DECIMAL' },
        { name: 'n', value: { isNull: true } },
      ],
    });
    const { records } = await h.execute('SELECT id::text, doc::text, day::text, at, amount::text, n FROM typed');
    expect(records).toEqual([[
      { stringValue: id }, { stringValue: '{"a": 1}' }, { stringValue: '2024-02-29' }, { stringValue: '2024-02-29 10:00:00' },
      { stringValue: '12.35' }, { isNull: true },
    ]]);
  });

  it('leaves :names inside literals, comments and :: casts alone', async () => {
    const { records } = await h.execute(`SELECT ':nope' AS a, :v::text AS b -- :nor_this`, {
      parameters: [{ name: 'v', value: { longValue: 7 } }],
    });
    expect(records).toEqual([[{ stringValue: ':nope' }, { stringValue: '7' }]]);
  });

  it('rejects an unknown typeHint and a parameter given twice, naming the parameter', async () => {
    const hint = await h.failure(h.execute('SELECT :a AS a', { parameters: [{ name: 'a', value: { stringValue: 'x' }, typeHint: 'INTERVAL' as never }] }));
    expect(hint.name).toBe('ValidationException');
    expect(hint.message).toContain('parameters.1 (:a).typeHint');
    const twice = await h.failure(
      h.execute('SELECT :a AS a', { parameters: [{ name: 'a', value: { longValue: 1 } }, { name: 'a', value: { longValue: 2 } }] }),
    );
    expect(twice.name).toBe('ValidationException');
    expect(twice.message).toContain(':a is given more than once');
  });

  it('fails when the SQL references a parameter that is not given', async () => {
    const err = await h.failure(h.execute('SELECT :missing AS m'));
    expect(err.name).toBe('DatabaseErrorException');
    expect(err.message).toContain(':missing');
  });
});
