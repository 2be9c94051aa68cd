/**
 * The function's restore and list-snapshots events: refused before anything runs when malformed (each
 * bad field named), and run end to end through the handler (configuration from the environment, a pg
 * driver standing in for the Data API).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadFunctionConfig } from '../../lambda/config/function-config';
import { parseEvent } from '../../lambda/events/parse-event';
import { createHandler } from '../../lambda/function/create-handler';
import { useSnapshotStore } from '../support/snapshot-store';
import { bundled, bundleOf } from './support/bundle';

const ID = '20250314T091500Z-3fa9c01b';

describe('restore and list-snapshots events', () => {
  const refusal = (event: unknown) => {
    try {
      parseEvent(event);
    } catch (error) {
      return (error as Error).message;
    }
    throw new Error('the event was accepted');
  };

  it('accepts well-formed events', () => {
    expect(parseEvent({ action: 'restore', snapshotId: ID, confirm: ID })).toEqual({ kind: 'manual', event: { action: 'restore', snapshotId: ID, confirm: ID } });
    expect(parseEvent({ action: 'restore', snapshotId: ID, confirm: ID, targetDatabase: 'app_copy', transaction: 'per-table' }).event).toMatchObject({ targetDatabase: 'app_copy' });
    expect(parseEvent({ action: 'restore', snapshotId: ID, confirm: ID, targetSchema: 'inspect' }).event).toMatchObject({ targetSchema: 'inspect' });
    expect(parseEvent({ action: 'list-snapshots', limit: 5 })).toEqual({ kind: 'manual', event: { action: 'list-snapshots', limit: 5 } });
  });

  it('refuses a restore without the exact confirmation, or with a malformed id or field, naming each', () => {
    expect(refusal({ action: 'restore', snapshotId: ID })).toBe(
      'Invalid event: confirm: is required: repeat the snapshot id to confirm that the current rows are replaced (or give "dryRun": true to see what a restore would do)',
    );
    expect(refusal({ action: 'restore', snapshotId: ID, confirm: '20250314T091500Z-3fa9c01c' })).toBe(
      'Invalid event: confirm: does not repeat snapshotId: nothing is restored without the exact id confirmed',
    );
    expect(refusal({ action: 'restore', snapshotId: '../x', confirm: '../x' })).toMatch(/^Invalid event: snapshotId: a snapshot id is YYYYMMDDTHHMMSSZ-xxxxxxxx/);
    expect(refusal({ action: 'restore', snapshotId: ID, confirm: ID, force: true })).toBe('Invalid event: force: unknown field');
    expect(refusal({ action: 'restore', snapshotId: ID, confirm: ID, transaction: 'some' })).toMatch(/^Invalid event: transaction: /);
    expect(refusal({ action: 'restore', snapshotId: ID, confirm: ID, targetDatabase: 'x'.repeat(64) })).toBe(
      'Invalid event: targetDatabase: a database name has at most 63 characters',
    );
    expect(refusal({ action: 'restore', snapshotId: ID, confirm: ID, targetSchema: 'pg_inspect' })).toBe(
      'Invalid event: targetSchema: the schema name starts with pg_, which PostgreSQL reserves for system schemas',
    );
    expect(refusal({ action: 'restore', snapshotId: ID, confirm: ID, targetSchema: '' })).toBe('Invalid event: targetSchema: the schema name is empty');
    expect(refusal({ action: 'restore', snapshotId: ID, confirm: ID, targetSchema: 'inspect', targetDatabase: 'app_copy' })).toBe(
      'Invalid event: targetSchema: give targetDatabase or targetSchema, not both',
    );
    expect(refusal({ action: 'list-snapshots', limit: 0 })).toBe('Invalid event: limit: limit is at least 1');
    expect(refusal({ action: 'list-snapshots', limit: 2.5 })).toBe('Invalid event: limit: limit is a whole number');
  });

  it('reads the snapshot settings from the environment, naming a bad variable', () => {
    const base = { RDS_MIGRATE_CLUSTER_ARN: 'a', RDS_MIGRATE_SECRET_ARN: 's', RDS_MIGRATE_DATABASE: 'd', RDS_MIGRATE_SNAPSHOT_BUCKET: 'b' };
    expect(loadFunctionConfig(base).snapshot).toEqual({ bucket: 'b', prefix: 'snapshots/', forcePathStyle: false, scope: 'full', budget: {} });
    expect(
      loadFunctionConfig({
        ...base, RDS_MIGRATE_SNAPSHOT_SCOPE: 'affected', RDS_MIGRATE_SNAPSHOT_MAX_BYTES: '1000000', RDS_MIGRATE_SNAPSHOT_MAX_SECONDS: '600',
        RDS_MIGRATE_SNAPSHOT_BYTES_PER_SECOND: '5000000', RDS_MIGRATE_SNAPSHOT_KEEP: '7', RDS_MIGRATE_SNAPSHOT_PARALLELISM: '4',
      }).snapshot,
    ).toEqual({
      bucket: 'b', prefix: 'snapshots/', forcePathStyle: false, scope: 'affected', budget: { maxBytes: 1_000_000, maxSeconds: 600, bytesPerSecond: 5_000_000 }, keep: 7, parallelism: 4,
    });
    expect(() => loadFunctionConfig({ ...base, RDS_MIGRATE_SNAPSHOT_SCOPE: 'most' })).toThrow(/RDS_MIGRATE_SNAPSHOT_SCOPE must be full, affected or none/);
    expect(() => loadFunctionConfig({ ...base, RDS_MIGRATE_SNAPSHOT_KEEP: '0' })).toThrow(/RDS_MIGRATE_SNAPSHOT_KEEP must be from 1 to/);
    expect(() => loadFunctionConfig({ ...base, RDS_MIGRATE_SNAPSHOT_PARALLELISM: '64' })).toThrow(/RDS_MIGRATE_SNAPSHOT_PARALLELISM must be from 1 to 32 tables/);
    expect(() => loadFunctionConfig({ ...base, RDS_MIGRATE_SNAPSHOT_MAX_BYTES: '10GB' })).toThrow(/RDS_MIGRATE_SNAPSHOT_MAX_BYTES must be a whole number of bytes/);
  });
});

describe('the handler', () => {
  const store = useSnapshotStore({ database: 'snapshot_function', bucket: 'function' });
  let dir: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'rds-migrate-function-'));
    const bundle = bundleOf([bundled('0001', 'items', ['CREATE TABLE items (id serial PRIMARY KEY, name text)'])]);
    await writeFile(path.join(dir, 'migrations.json'), JSON.stringify(bundle));
    env = {
      RDS_MIGRATE_CLUSTER_ARN: 'arn:aws:rds:us-east-1:123456789012:cluster:test', RDS_MIGRATE_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:test',
      RDS_MIGRATE_DATABASE: store.db.name, RDS_MIGRATE_SNAPSHOT_BUCKET: 'function', RDS_MIGRATE_SNAPSHOT_PREFIX: 'fn/', RDS_MIGRATE_BUNDLE_PATH: path.join(dir, 'migrations.json'),
      RDS_MIGRATE_SNAPSHOT_KEEP: '3', POWERTOOLS_LOG_LEVEL: 'SILENT',
    };
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('lists snapshots and restores one in place', async () => {
    const handler = createHandler({ env, driver: () => store.db.driver(), s3: store.s3 });
    await handler({ action: 'migrate' });
    await store.db.sql(`INSERT INTO items (name) SELECT 'item ' || g FROM generate_series(1, 50) AS g`);
    const taken = (await handler({ action: 'snapshot' })) as { snapshot: { snapshotId: string } };
    await store.db.sql(`DELETE FROM items WHERE id > 5`);

    const listed = (await handler({ action: 'list-snapshots' })) as { snapshots: { snapshotId: string; totalRows: number }[] };
    expect(listed.snapshots[0]).toMatchObject({ snapshotId: taken.snapshot.snapshotId, totalRows: 50 });

    const restored = await handler({ action: 'restore', snapshotId: taken.snapshot.snapshotId, confirm: taken.snapshot.snapshotId });
    expect(restored).toMatchObject({ action: 'restore', database: store.db.name, restore: { totalRows: 50, transaction: 'single' } });
    expect((await store.db.sql('SELECT count(*)::int AS n FROM items')).rows[0].n).toBe(50);
    await expect(handler({ action: 'restore', snapshotId: taken.snapshot.snapshotId, confirm: 'x' })).rejects.toThrow(/^Invalid event: confirm: does not repeat snapshotId/);
  });

  it('refuses a snapshot event that would outlast the invocation, with its estimate, before anything is read', async () => {
    // 1 byte per second: the estimate of any table is far beyond the 60 s this invocation has left.
    const handler = createHandler({ env: { ...env, RDS_MIGRATE_SNAPSHOT_BYTES_PER_SECOND: '1', RDS_MIGRATE_TIME_RESERVE_MS: '0' }, driver: () => store.db.driver(), s3: store.s3 });
    const before = (await handler({ action: 'list-snapshots' })) as { snapshots: unknown[] };
    const context = { getRemainingTimeInMillis: () => 60_000, awsRequestId: 'request-1' } as unknown as Context;
    await expect(handler({ action: 'snapshot' }, context)).rejects.toThrow(/^Snapshot refused: .* its export would take about \d+ s at 1 bytes\/s, over maxSeconds 60 s\./);
    expect(((await handler({ action: 'list-snapshots' })) as { snapshots: unknown[] }).snapshots).toHaveLength(before.snapshots.length);
    // Without an invocation (no context: no time limit) the same event is taken.
    await expect(handler({ action: 'snapshot' })).resolves.toMatchObject({ action: 'snapshot', snapshot: { totalRows: 50 } });
  });
});
