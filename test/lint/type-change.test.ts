import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PgDriver } from '../../lambda/driver/pg/pg-driver';
import { loadLinter, parseTypeName } from '../../lambda/lint/sql-parser';
import { classifyTypeChange } from '../../lambda/lint/type-change';
import { typeSpecOf, type TypeSpec } from '../../lambda/lint/type-spec';
import { createTestDatabase, type TestDatabase } from '../support/database';

/**
 * The type-change classifier against PostgreSQL itself: for each change, a table with rows is
 * altered and its relfilenode compared (a rewrite gives the table a new file). The classifier must
 * predict exactly what the server does.
 */

let db: TestDatabase;
let driver: PgDriver;

beforeAll(async () => {
  await loadLinter();
  db = await createTestDatabase('lint_type_change');
  driver = db.driver();
});
afterAll(() => db.drop());

function spec(type: string): TypeSpec {
  const parsed = typeSpecOf(parseTypeName(type));
  if (!parsed) throw new Error(`test setup: ${type} does not parse`);
  return parsed;
}

/** Whether PostgreSQL rewrites the table for this change (rolled back afterwards). */
async function serverRewrites(from: string, to: string, timeZone = 'UTC'): Promise<boolean> {
  const tx = await driver.beginTransaction();
  try {
    await tx.execute(`SET LOCAL TimeZone = '${timeZone}'`);
    await tx.execute(`CREATE TABLE probe (c ${from})`);
    await tx.execute('INSERT INTO probe SELECT NULL FROM generate_series(1, 3)');
    const before = await tx.execute<{ f: number }>("SELECT relfilenode::int8 AS f FROM pg_class WHERE relname = 'probe'");
    await tx.execute(`ALTER TABLE probe ALTER COLUMN c TYPE ${to}`);
    const after = await tx.execute<{ f: number }>("SELECT relfilenode::int8 AS f FROM pg_class WHERE relname = 'probe'");
    return before.rows[0]!.f !== after.rows[0]!.f;
  } finally {
    await tx.rollback();
  }
}

const CHANGES: ReadonlyArray<readonly [string, string]> = [
  ['varchar(10)', 'varchar(20)'],
  ['varchar(20)', 'varchar(10)'],
  ['varchar(10)', 'varchar'],
  ['varchar(10)', 'text'],
  ['character varying(10)', 'character varying(10)'],
  ['text', 'varchar'],
  ['text', 'varchar(10)'],
  ['varchar', 'varchar(10)'],
  ['text', 'bpchar'],
  ['varchar(10)', 'bpchar'],
  ['char(5)', 'char(10)'],
  ['char(5)', 'text'],
  ['char(5)', 'varchar'],
  ['numeric(10,2)', 'numeric(12,2)'],
  ['numeric(10,2)', 'numeric(12,3)'],
  ['numeric(10,2)', 'numeric'],
  ['numeric', 'numeric(10,2)'],
  ['numeric(10,2)', 'numeric(8,2)'],
  ['numeric(5)', 'numeric(7,0)'],
  ['integer', 'bigint'],
  ['smallint', 'integer'],
  ['integer', 'int4'],
  ['timestamp(3)', 'timestamp(6)'],
  ['timestamp(6)', 'timestamp(3)'],
  ['timestamp(3)', 'timestamp'],
  ['timestamptz(3)', 'timestamptz'],
  ['timestamptz(6)', 'timestamptz(3)'],
  ['time(3)', 'time(6)'],
  ['timetz(3)', 'timetz(6)'],
  ['interval(3)', 'interval'],
  ['interval', 'interval(3)'],
  ['bit varying(5)', 'bit varying(10)'],
  ['varbit(5)', 'varbit'],
  ['bit(5)', 'bit(10)'],
  ['cidr', 'inet'],
  ['xml', 'text'],
  ['json', 'jsonb'],
  ['integer', 'oid'],
  ['oid', 'integer'],
  ['integer', 'regclass'],
  ['float4', 'float8'],
  ['date', 'timestamp'],
  ['varchar(10)[]', 'varchar(20)[]'],
  ['varchar(10)[]', 'text[]'],
  ['text[]', 'text[]'],
  ['timestamp', 'timestamptz'],
  ['timestamptz', 'timestamp'],
];

describe('classifyTypeChange', () => {
  it.each(CHANGES)('%s → %s matches PostgreSQL', async (from, to) => {
    const predicted = classifyTypeChange(spec(from), spec(to));
    expect(predicted.rewrites, predicted.reason).toBe(await serverRewrites(from, to));
  });

  it('assumes UTC for timestamp → timestamptz: with another session TimeZone PostgreSQL rewrites', async () => {
    expect(classifyTypeChange(spec('timestamp'), spec('timestamptz')).rewrites).toBe(false);
    expect(await serverRewrites('timestamp', 'timestamptz', 'Europe/Warsaw')).toBe(true);
  });

  it('gives a reason naming both types', () => {
    expect(classifyTypeChange(spec('integer'), spec('bigint')).reason).toBe(
      'integer → bigint is not binary coercible, so PostgreSQL rewrites every row and rebuilds every index',
    );
    expect(classifyTypeChange(spec('varchar(20)'), spec('varchar(10)')).reason).toMatch(/^varchar\(20\) → varchar\(10\) lowers the limit/);
  });
});
