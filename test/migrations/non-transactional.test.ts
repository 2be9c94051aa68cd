import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatabaseError } from '../../lambda/driver/errors';
import type { PgDriver } from '../../lambda/driver/pg/pg-driver';
import { parseStatements } from '../../lambda/migrations/split-statements';
import { loadSqlParser } from '../../lambda/migrations/sql-parser';
import { createTestDatabase, type TestDatabase } from '../support/database';

let db: TestDatabase;
let driver: PgDriver;

beforeAll(async () => {
  await loadSqlParser();
  db = await createTestDatabase('nontx');
  driver = db.driver();
  await db.sql(`
    CREATE TABLE t (a int PRIMARY KEY, b int);
    CREATE INDEX t_b_idx ON t (b);
    CREATE TYPE mood AS ENUM ('sad', 'ok');
    CREATE TABLE p (k int) PARTITION BY RANGE (k);
    CREATE TABLE p1 PARTITION OF p FOR VALUES FROM (0) TO (10);
    CREATE MATERIALIZED VIEW mv AS SELECT a FROM t;
    CREATE UNIQUE INDEX mv_a_idx ON mv (a);
  `);
});
afterAll(() => db.drop());

/** The single statement of `sql`, as the splitter reports it. */
function only(sql: string) {
  const statements = parseStatements(sql, 'f.sql');
  expect(statements).toHaveLength(1);
  return statements[0] as (typeof statements)[number];
}

/** Runs `sql` inside a transaction block (then rolls back); returns the SQLSTATE it failed with, or 'ok'. */
async function inTransaction(sql: string): Promise<string> {
  const tx = await driver.beginTransaction();
  try {
    await tx.execute(sql);
    return 'ok';
  } catch (error) {
    if (error instanceof DatabaseError) return error.sqlState ?? 'no sqlstate';
    throw error;
  } finally {
    await tx.rollback().catch(() => undefined);
  }
}

// Statement, and the command PostgreSQL names when refusing it in a transaction block.
const refused: Array<[string, string]> = [
  ['CREATE INDEX CONCURRENTLY t_a_b_idx ON t (a, b)', 'CREATE INDEX CONCURRENTLY'],
  ['CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS t_u_idx ON t (b) WHERE b > 0', 'CREATE INDEX CONCURRENTLY'],
  ['DROP INDEX CONCURRENTLY t_b_idx', 'DROP INDEX CONCURRENTLY'],
  ['DROP INDEX CONCURRENTLY IF EXISTS no_such_idx', 'DROP INDEX CONCURRENTLY'],
  ['REINDEX INDEX CONCURRENTLY t_b_idx', 'REINDEX CONCURRENTLY'],
  ['REINDEX (CONCURRENTLY) TABLE t', 'REINDEX CONCURRENTLY'],
  ['REINDEX (VERBOSE, CONCURRENTLY on) TABLE t', 'REINDEX CONCURRENTLY'],
  ['REINDEX SCHEMA public', 'REINDEX SCHEMA'],
  ['REINDEX SYSTEM', 'REINDEX SYSTEM'],
  ['REINDEX DATABASE', 'REINDEX DATABASE'],
  ['VACUUM t', 'VACUUM'],
  ['VACUUM (ANALYZE, VERBOSE) t', 'VACUUM'],
  ['VACUUM FULL', 'VACUUM'],
  ['CLUSTER', 'CLUSTER (all tables)'],
  ['DISCARD ALL', 'DISCARD ALL'],
  ['ALTER SYSTEM SET work_mem = \'8MB\'', 'ALTER SYSTEM'],
  ['CREATE DATABASE rds_migrate_never_created', 'CREATE DATABASE'],
  ['DROP DATABASE IF EXISTS rds_migrate_never_created', 'DROP DATABASE'],
  ["CREATE TABLESPACE never_created LOCATION '/nonexistent'", 'CREATE TABLESPACE'],
  ['DROP TABLESPACE IF EXISTS never_created', 'DROP TABLESPACE'],
  ['ALTER TABLE p DETACH PARTITION p1 CONCURRENTLY', 'ALTER TABLE ... DETACH PARTITION CONCURRENTLY'],
  ["CREATE SUBSCRIPTION never_created CONNECTION 'host=127.0.0.1 port=1' PUBLICATION pub", 'CREATE SUBSCRIPTION ... WITH (create_slot = true)'],
];

describe('statements PostgreSQL refuses in a transaction block', () => {
  it.each(refused)('%s is flagged as %s, and PostgreSQL refuses it with SQLSTATE 25001', async (sql, command) => {
    const statement = only(sql);
    expect(statement.nonTransactional).toBe(true);
    expect(statement.nonTransactionalCommand).toBe(command);
    expect(await inTransaction(sql)).toBe('25001');
  });

  it('ALTER DATABASE ... SET TABLESPACE is flagged, and refused in a transaction block', async () => {
    const sql = `ALTER DATABASE "${db.name}" SET TABLESPACE pg_default`;
    expect(only(sql).nonTransactionalCommand).toBe('ALTER DATABASE SET TABLESPACE');
    expect(await inTransaction(sql)).toBe('25001');
  });

  // The server decides these from the subscription's state, which needs a live publisher to set up:
  // flagged from the parse tree, conservatively (docs: ALTER SUBSCRIPTION, DROP SUBSCRIPTION).
  it.each([
    ['ALTER SUBSCRIPTION s REFRESH PUBLICATION', 'ALTER SUBSCRIPTION ... REFRESH PUBLICATION'],
    ['ALTER SUBSCRIPTION s SET PUBLICATION p2', 'ALTER SUBSCRIPTION ... PUBLICATION with refresh'],
    ['ALTER SUBSCRIPTION s ADD PUBLICATION p2 WITH (refresh = true)', 'ALTER SUBSCRIPTION ... PUBLICATION with refresh'],
    ['ALTER SUBSCRIPTION s DROP PUBLICATION p2', 'ALTER SUBSCRIPTION ... PUBLICATION with refresh'],
    ['ALTER SUBSCRIPTION s SET (failover = true)', 'ALTER SUBSCRIPTION ... SET (two_phase/failover)'],
    ['DROP SUBSCRIPTION IF EXISTS s', 'DROP SUBSCRIPTION'],
  ])('%s is flagged as %s', (sql, command) => {
    expect(only(sql).nonTransactionalCommand).toBe(command);
  });
});

describe('statements that run in a transaction block', () => {
  it.each([
    "ALTER TYPE mood ADD VALUE 'happy'", // allowed in a transaction block since PostgreSQL 12
    "ALTER TYPE mood ADD VALUE IF NOT EXISTS 'sad' BEFORE 'ok'",
    'ANALYZE t',
    'CREATE INDEX t_a_b_idx ON t (a, b)',
    'DROP INDEX t_b_idx',
    'REINDEX TABLE t',
    'REINDEX (CONCURRENTLY false) INDEX t_b_idx',
    'REINDEX (CONCURRENTLY off) TABLE t',
    'REINDEX (CONCURRENTLY 0) TABLE t',
    'REFRESH MATERIALIZED VIEW CONCURRENTLY mv',
    'CLUSTER t USING t_pkey',
    'DISCARD PLANS',
    'ALTER TABLE p DETACH PARTITION p1',
    'ALTER TABLE t ADD COLUMN c text',
    'DROP TABLE t CASCADE',
    "CREATE SUBSCRIPTION sub_no_slot CONNECTION 'host=127.0.0.1 port=1' PUBLICATION pub WITH (connect = false)",
    "CREATE SUBSCRIPTION sub_no_slot CONNECTION 'host=127.0.0.1 port=1' PUBLICATION pub WITH (connect = false, create_slot = false)",
    'SELECT 1',
  ])('%s is not flagged, and PostgreSQL runs it in a transaction block', async (sql) => {
    const statement = only(sql);
    expect(statement.nonTransactional).toBe(false);
    expect(statement.nonTransactionalCommand).toBeUndefined();
    expect(await inTransaction(sql)).toBe('ok');
  });

  it.each([
    'ALTER SUBSCRIPTION s SET PUBLICATION p2 WITH (refresh = false)',
    "ALTER SUBSCRIPTION s CONNECTION 'host=elsewhere'",
    'ALTER SUBSCRIPTION s DISABLE',
    'ALTER SUBSCRIPTION s SET (synchronous_commit = off)',
  ])('%s is not flagged', (sql) => {
    expect(only(sql).nonTransactional).toBe(false);
  });
});
