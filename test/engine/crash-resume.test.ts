/**
 * A runner that dies between the statements of a non-transactional migration (the Lambda function
 * killed at its timeout): its lease expires, and the next migrate resumes where the schema history
 * says it stopped, without running twice what ran.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrate } from '../../lambda/engine/commands/migrate';
import { status } from '../../lambda/engine/commands/status';
import type { PgDriver } from '../../lambda/driver/pg/pg-driver';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { buildBundle } from './support/bundle';
import { captureLog } from './support/capture-log';
import { FaultDriver } from './support/fault-driver';

let db: TestDatabase;
let driver: PgDriver;

beforeEach(async () => {
  db = await createTestDatabase('engine_crash');
  driver = db.driver();
});
afterEach(() => db.drop());

const bundle = buildBundle([
  { version: '1', name: 'create_shipment', up: ['CREATE TABLE shipment (id int PRIMARY KEY, carrier text, status text, created_at timestamptz)', "INSERT INTO shipment SELECT g, 'dhl', 'new', now() FROM generate_series(1, 100) g"] },
  {
    version: '2',
    name: 'index_shipment',
    // No IF NOT EXISTS: running a statement twice would fail.
    up: [
      'CREATE INDEX CONCURRENTLY shipment_carrier_idx ON shipment (carrier)',
      'CREATE INDEX CONCURRENTLY shipment_status_idx ON shipment (status)',
      'CREATE INDEX CONCURRENTLY shipment_created_idx ON shipment (created_at)',
    ],
  },
]);

/** The lease of a dead runner expires after a second; the next one waits for that. */
const lock = { leaseMs: 1000, heartbeatMs: 300 };
const waitingLock = { waitMs: 10_000, pollMs: 100 };

async function indexes() {
  const { rows } = await db.sql("SELECT c.relname, i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname LIKE 'shipment_%_idx' ORDER BY 1");
  return rows;
}

const allValid = [
  { relname: 'shipment_carrier_idx', indisvalid: true },
  { relname: 'shipment_created_idx', indisvalid: true },
  { relname: 'shipment_status_idx', indisvalid: true },
];

describe('a runner killed inside a non-transactional migration', () => {
  it('between a statement and its progress row: the next run finds the index built and does not build it again', async () => {
    const doomed = new FaultDriver(db.driver());
    doomed.loseAnswer = (call) => {
      if (/^CREATE INDEX CONCURRENTLY shipment_status_idx/.test(call.sql)) doomed.crashed = true;
      return false;
    };
    await expect(migrate(doomed, bundle, { appliedBy: 'killed', lock })).rejects.toThrow(/the runner crashed/);
    // The second index exists, but the history records one statement.
    expect((await status(driver, bundle)).failed).toMatchObject([{ version: '2', row: { statementsApplied: 1 } }]);
    expect((await indexes()).map((r) => r.relname)).toEqual(['shipment_carrier_idx', 'shipment_status_idx']);

    const log = captureLog();
    const report = await migrate(driver, bundle, { appliedBy: 'next', lock: waitingLock, log });
    expect(report.applied).toMatchObject([{ version: '2', statements: 1 }]);
    expect(log.lines.map((l) => l.message)).toEqual(expect.arrayContaining(['took over an expired migration lock', 'resuming migration', 'index exists and is valid: the resumed statement is not run again']));
    expect(await indexes()).toEqual(allValid);
    const history = await db.sql("SELECT success, statements_applied, applied_by FROM rds_migrate.schema_history WHERE version = '2'");
    expect(history.rows).toEqual([{ success: true, statements_applied: 3, applied_by: 'killed' }]);
  });

  it('between a progress row and the next statement: the next run starts at that statement', async () => {
    const doomed = new FaultDriver(db.driver());
    let progressRows = 0;
    doomed.loseAnswer = (call) => {
      if (/^UPDATE "rds_migrate"\."schema_history"/.test(call.sql) && ++progressRows === 2) doomed.crashed = true;
      return false;
    };
    await expect(migrate(doomed, bundle, { appliedBy: 'killed', lock })).rejects.toThrow(/the runner crashed/);
    expect((await status(driver, bundle)).failed).toMatchObject([{ version: '2', row: { statementsApplied: 2 } }]);

    const log = captureLog();
    const report = await migrate(driver, bundle, { appliedBy: 'next', lock: waitingLock, log });
    expect(report.applied).toMatchObject([{ version: '2', statements: 1 }]);
    expect(log.lines.map((l) => l.message)).not.toContain('index exists and is valid: the resumed statement is not run again');
    expect(await indexes()).toEqual(allValid);
  });
});
