import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureSchemaHistory } from '../../lambda/engine/history/ensure';
import { readSchemaHistory } from '../../lambda/engine/history/read';
import { migrate } from '../../lambda/engine/commands/migrate';
import { PgDriver } from '../../lambda/driver/pg/pg-driver';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { buildBundle } from './support/bundle';
import { RecordingDriver } from './support/recording-driver';

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase('engine_history');
});
afterAll(() => db.drop());

async function columns(schema: string, table: string): Promise<string[]> {
  const { rows } = await db.sql(
    'SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position',
    [schema, table],
  );
  return rows.map((r) => r.column_name);
}

describe('schema history', () => {
  it('reads as empty before it exists, without creating it', async () => {
    expect(await readSchemaHistory(db.driver())).toEqual([]);
    const { rows } = await db.sql("SELECT count(*)::int AS n FROM pg_namespace WHERE nspname = 'rds_migrate'");
    expect(rows[0].n).toBe(0);
  });

  it('is created once when several runners ensure it at the same time', async () => {
    const drivers = Array.from({ length: 5 }, () => db.driver());
    await Promise.all(drivers.map((d) => ensureSchemaHistory(d)));
    expect(await columns('rds_migrate', 'schema_history')).toEqual([
      'installed_rank', 'version', 'name', 'type', 'checksum', 'applied_at', 'execution_ms', 'applied_by', 'success',
      'statements_applied', 'previous_checksum', 'repaired_by', 'repaired_at',
    ]);
    expect(await columns('rds_migrate', 'lock')).toEqual(['id', 'owner', 'token', 'acquired_at', 'expires_at', 'heartbeat_at']);
    await ensureSchemaHistory(drivers[0]!);
  });

  it('is created in one call (after the check), and found complete in one', async () => {
    const recording = new RecordingDriver(db.driver());
    await ensureSchemaHistory(recording, { historySchema: 'counted_history' });
    expect(recording.calls.map((c) => c.sql.slice(0, 26))).toEqual(['SELECT EXISTS (SELECT 1 FR', 'DO $rds_migrate_ensure$\nDE']);
    expect(await columns('counted_history', 'backfill_progress')).toContain('cursor');
    recording.calls.length = 0;
    await ensureSchemaHistory(recording, { historySchema: 'counted_history' });
    expect(recording.calls).toHaveLength(1);
  });

  it('is created by a role that may not create schemas when an administrator made its schema', async () => {
    const role = `${db.name}_migrator`;
    await db.sql(`CREATE ROLE ${role} LOGIN PASSWORD 'migrator'`);
    await db.sql(`REVOKE CREATE ON DATABASE ${db.name} FROM PUBLIC`);
    await db.sql(`CREATE SCHEMA granted_history AUTHORIZATION ${role}`);
    const url = new URL(db.url);
    url.username = role;
    url.password = 'migrator';
    const restricted = new PgDriver({ connectionString: url.toString() });
    try {
      await expect(ensureSchemaHistory(restricted, { historySchema: 'denied_history' })).rejects.toMatchObject({ sqlState: '42501' });
      await ensureSchemaHistory(restricted, { historySchema: 'granted_history' });
      expect(await columns('granted_history', 'lock')).toEqual(['id', 'owner', 'token', 'acquired_at', 'expires_at', 'heartbeat_at']);
    } finally {
      await restricted.close();
      await db.sql(`DROP SCHEMA granted_history CASCADE`);
      await db.sql(`DROP OWNED BY ${role}`);
      await db.sql(`DROP ROLE ${role}`);
    }
  });

  it('lives in the configured schema, which is validated', async () => {
    const driver = db.driver();
    const bundle = buildBundle([{ version: '1', name: 'one', up: ['CREATE TABLE one (id int)'] }]);
    await migrate(driver, bundle, { appliedBy: 't', historySchema: 'ops_history' });
    const rows = await readSchemaHistory(driver, { historySchema: 'ops_history' });
    expect(rows).toMatchObject([{ installedRank: 1, version: '1', name: 'one', type: 'sql', success: true, appliedBy: 't', statementsApplied: 1 }]);
    expect(rows[0]!.appliedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    await expect(ensureSchemaHistory(driver, { historySchema: 'bad"; DROP TABLE one; --' })).rejects.toThrow(/historySchema .* is not a valid identifier/);
    await expect(ensureSchemaHistory(driver, { historySchema: 'pg_mine' })).rejects.toThrow(/may not start with "pg_"/);
    expect(await columns('public', 'one')).toEqual(['id']);
  });
});
