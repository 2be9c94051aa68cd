import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeStatus } from '../../lambda/engine/status/compute';
import type { HistoryRow } from '../../lambda/engine/history/read';
import { status } from '../../lambda/engine/commands/status';
import { migrate } from '../../lambda/engine/commands/migrate';
import { versionKey } from '../../lambda/migrations/compare-versions';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { buildBundle } from './support/bundle';

const bundle = buildBundle([
  { version: '0001', name: 'a', up: ['CREATE TABLE a (id int)'] },
  { version: '0002', name: 'b', up: ['CREATE TABLE b (id int)'] },
  { version: '0003', name: 'c', up: ['CREATE INDEX CONCURRENTLY c_idx ON a (id)'] },
  { version: '0004', name: 'd', up: ['CREATE TABLE d (id int)'] },
  { version: '0005', name: 'e', up: ['CREATE TABLE e (id int)'] },
]);

let rank = 0;
function row(version: string, fields: Partial<HistoryRow> = {}): HistoryRow {
  const m = bundle.migrations.find((x) => x.version === version);
  rank += 1;
  return {
    installedRank: rank, version, name: m?.name ?? 'gone', type: 'sql', checksum: m?.checksum ?? 'f'.repeat(64),
    appliedAt: '2024-01-01T00:00:00.000Z', executionMs: 1, appliedBy: 't', success: true, statementsApplied: 1,
    previousChecksum: null, repairedBy: null, ...fields,
  };
}

describe('computeStatus', () => {
  it('classifies applied, pending, failed, missing and changed versions', () => {
    const history = [
      row('0001'),
      row('0002', { checksum: 'a'.repeat(64) }),
      row('0003', { success: false, statementsApplied: 0 }),
      row('0009', { name: 'dropped_from_bundle' }),
    ];
    const s = computeStatus(bundle, history);
    expect(s.migrations.map((m) => [m.version, m.state])).toEqual([
      ['0001', 'applied'], ['0002', 'changed'], ['0003', 'failed'], ['0004', 'pending'], ['0005', 'pending'], ['0009', 'missing'],
    ]);
    expect(s.current).toBe('0009');
    expect(s.pending.map((m) => m.version)).toEqual(['0004', '0005']);
    expect(s.changed).toMatchObject([{ version: '0002', file: '0002_b/up.sql', expectedChecksum: 'a'.repeat(64), foundChecksum: bundle.migrations[1]!.checksum }]);
    expect(s.failed.map((m) => m.version)).toEqual(['0003']);
    expect(s.missing).toMatchObject([{ version: '0009', name: 'dropped_from_bundle' }]);
    // Below the current (missing) 0009: out of order.
    expect(s.migrations.find((m) => m.version === '0004')!.outOfOrder).toBe(true);
  });

  it('takes the last row of a version: a reverted version is pending again, a baselined one applied whatever its checksum', () => {
    const history = [row('0001', { type: 'baseline', checksum: 'b'.repeat(64) }), row('0002'), row('0002', { type: 'undo', checksum: 'c'.repeat(64) })];
    const s = computeStatus(bundle, history);
    expect(s.migrations.map((m) => [m.version, m.state])).toEqual([
      ['0001', 'applied'], ['0002', 'pending'], ['0003', 'pending'], ['0004', 'pending'], ['0005', 'pending'],
    ]);
    expect(s.current).toBe('0001');
    expect(s.migrations.some((m) => m.outOfOrder)).toBe(false);
  });

  it('matches versions numerically (0002 is 2) and reports no current version for an empty history', () => {
    expect(computeStatus(bundle, [row('0001'), { ...row('0002'), version: '2' }]).current).toBe('0002');
    const empty = computeStatus(bundle, []);
    expect(empty.current).toBeNull();
    expect(empty.pending).toHaveLength(5);
  });

  it('keys versions by their canonical spelling', () => {
    expect(versionKey('0022')).toBe('22');
    expect(versionKey('1.2.0')).toBe('1.2');
    expect(versionKey('0.0')).toBe('0');
    expect(versionKey('1.02.3')).toBe('1.2.3');
    expect(() => versionKey('1.x')).toThrow(/Invalid migration version "1.x"/);
  });
});

describe('status', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('engine_status');
  });
  afterAll(() => db.drop());

  it('reads the schema history and compares it with the bundle', async () => {
    const driver = db.driver();
    expect((await status(driver, bundle)).pending).toHaveLength(5);
    await migrate(driver, bundle, { appliedBy: 't', targetVersion: '0002' });
    const s = await status(driver, bundle);
    expect(s.current).toBe('0002');
    expect(s.migrations.map((m) => m.state)).toEqual(['applied', 'applied', 'pending', 'pending', 'pending']);
    expect(s.migrations[0]!.row).toMatchObject({ version: '0001', type: 'sql', appliedBy: 't', success: true });
  });
});
