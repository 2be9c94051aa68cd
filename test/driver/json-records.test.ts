/**
 * `ExecuteOptions.formatRecordsAs: 'JSON'` on both drivers: the Data API's JSON records (bytea as base64
 * text, everything else as in the Field mapping), and the 10 MB formattedRecords limit instead of the
 * 1 MiB records response over the Data API.
 */
import { describe, expect, it } from 'vitest';
import type { Driver } from '../../lambda/driver/driver';
import { DriverError } from '../../lambda/driver/errors';
import { useLocalDataApiDriver } from '../support/local-data-api-driver';

const suite = useLocalDataApiDriver('json_records');

const SAMPLE = `SELECT 1::int AS i, 9007199254740991::int8 AS big, 12.50::numeric(6,2) AS n, 'a "q" ü'::text AS t,
  true AS b, '\\x00ff10'::bytea AS blob, ARRAY[1, NULL, 3]::int[] AS ints, NULL::text AS nothing, 0.5::float8 AS f
  FROM generate_series(1, 2)`;

describe.each([
  ['pg', () => suite.db.driver() as Driver],
  ['data-api', () => suite.driver as Driver],
])('formatRecordsAs JSON over %s', (_name, open) => {
  it('returns the JSON record shape: bytea as base64 text, the rest as in the Field mapping', async () => {
    const driver = open();
    const { rows } = await driver.execute(SAMPLE, undefined, { formatRecordsAs: 'JSON' });
    expect(rows).toEqual([
      { i: 1, big: 9007199254740991, n: '12.50', t: 'a "q" ü', b: true, blob: 'AP8Q', ints: [1, null, 3], nothing: null, f: 0.5 },
      { i: 1, big: 9007199254740991, n: '12.50', t: 'a "q" ü', b: true, blob: 'AP8Q', ints: [1, null, 3], nothing: null, f: 0.5 },
    ]);
    // Without the option: the Field mapping, bytea as a Uint8Array.
    const records = await driver.execute<{ blob: Uint8Array }>(SAMPLE);
    expect(Buffer.from(records.rows[0]!.blob).toString('hex')).toBe('00ff10');
  });

  it('works in a transaction and for statements without a result set', async () => {
    const driver = open();
    const tx = await driver.beginTransaction();
    try {
      const created = await tx.execute('CREATE TEMP TABLE j (id int)', undefined, { formatRecordsAs: 'JSON' });
      expect(created.rows).toEqual([]);
      const inserted = await tx.execute('INSERT INTO j SELECT generate_series(1, 3)', undefined, { formatRecordsAs: 'JSON' });
      expect(inserted.rowsAffected).toBe(3);
      const { rows } = await tx.execute('SELECT id FROM j WHERE id > :min ORDER BY id', { min: 1 }, { formatRecordsAs: 'JSON' });
      expect(rows).toEqual([{ id: 2 }, { id: 3 }]);
    } finally {
      await tx.rollback();
    }
  });
});

describe('formatRecordsAs JSON over the Data API', () => {
  it('answers a result larger than the 1 MiB records limit, up to the 10 MB formattedRecords limit', async () => {
    // About 3 MB of bytea: 4 MB as base64 text.
    const sql = `SELECT g AS id, decode(repeat(md5(g::text), 1000), 'hex') AS blob FROM generate_series(1, 190) AS g`;
    const records = await suite.driver.execute(sql).catch((e: unknown) => e);
    expect(records).toBeInstanceOf(DriverError);
    expect((records as DriverError).kind).toBe('unsupported-result');
    const before = suite.api.counters.byOperation.ExecuteStatement.calls;
    const { rows } = await suite.driver.execute<{ id: number; blob: string }>(sql, undefined, { formatRecordsAs: 'JSON' });
    expect(suite.api.counters.byOperation.ExecuteStatement.calls - before).toBe(1);
    expect(rows).toHaveLength(190);
    expect(Buffer.from(rows[189]!.blob, 'base64').length).toBe(16_000);
    // Past 10 MB even the JSON format is refused.
    const tooLarge = await suite.driver
      .execute(`SELECT g, decode(repeat(md5(g::text), 1000), 'hex') FROM generate_series(1, 700) AS g`, undefined, { formatRecordsAs: 'JSON' })
      .catch((e: unknown) => e);
    expect(tooLarge).toBeInstanceOf(DriverError);
    expect((tooLarge as DriverError).kind).toBe('unsupported-result');
  });
});
