/**
 * The built-in checks besides drift, each against real PostgreSQL: schema history (pending, missing,
 * checksum), missing verify scripts, a lock held past its lease, sequences near their maximum, and the
 * index-usage warnings (unused, duplicate) from pg_stat_user_indexes.
 */
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrate } from '../../lambda/engine/commands/migrate';
import type { PgDriver } from '../../lambda/driver/pg/pg-driver';
import { runVerification } from '../../lambda/verify/run-verification';
import { buildBundle, type MigrationSpec } from '../engine/support/bundle';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { failing, failingOf } from './support/fixture';

let db: TestDatabase;
let driver: PgDriver;

const base: MigrationSpec[] = [
  { version: '1', name: 'create_sale', up: ['CREATE TABLE app_sale (id serial PRIMARY KEY, external_id text, amount numeric)'], verify: ["SELECT 1 FROM information_schema.tables WHERE table_name = 'app_sale'"] },
  { version: '2', name: 'add_device', up: ["ALTER TABLE app_sale ADD COLUMN source_device text NOT NULL DEFAULT 'web'"] },
];
const bundle = buildBundle(base);

beforeEach(async () => {
  db = await createTestDatabase('verify_checks');
  driver = db.driver();
  await migrate(driver, bundle, { appliedBy: 'test' });
});
afterEach(() => db.drop());

describe('schema-history', () => {
  it('reports pending, missing and changed migrations, and counts the pending ones', async () => {
    const changed = buildBundle([{ ...base[0]!, up: [...base[0]!.up, 'SELECT 1'] }, { version: '3', name: 'add_index', up: ['SELECT 1'] }, { version: '4', name: 'more', up: ['SELECT 1'] }]);
    const report = await runVerification(driver, changed);
    expect(failingOf(report, 'schema-history').map((c) => [c.object, c.found])).toEqual([
      ['1_create_sale/up.sql', changed.migrations[0]!.checksum],
      ['2', 'applied, not in the bundle'],
      ['3_add_index/up.sql', 'pending'],
      ['4_more/up.sql', 'pending'],
    ]);
    expect(report.counts.pendingMigrations).toBe(2);
    expect(report.ok).toBe(false);
  });
});

describe('verify-script', () => {
  it('fails a repeatable migration not applied or changed since; info while the target is below the last version, or once removed', async () => {
    const view = { name: 'sale_totals', up: ['CREATE OR REPLACE VIEW sale_totals AS SELECT sum(amount) AS total FROM app_sale'] };
    const withView = buildBundle(base, [view]);
    const pending = await runVerification(driver, withView);
    expect(failingOf(pending, 'schema-history').map((c) => [c.object, c.severity, c.found])).toEqual([['R__sale_totals.sql', 'error', 'pending']]);
    expect(pending.ok).toBe(false);

    await migrate(driver, withView, { appliedBy: 'test' });
    expect(failingOf(await runVerification(driver, withView), 'schema-history')).toEqual([]);

    const changed = buildBundle(base, [{ ...view, up: ['CREATE OR REPLACE VIEW sale_totals AS SELECT sum(amount) AS total, count(*) AS sales FROM app_sale'] }]);
    const outdated = await runVerification(driver, changed);
    expect(failingOf(outdated, 'schema-history').map((c) => [c.object, c.severity, c.found])).toEqual([['R__sale_totals.sql', 'error', 'outdated']]);
    expect(outdated.ok).toBe(false);

    // A migrate to a target below the last version leaves repeatables for later: info, not a failure.
    const ahead = buildBundle([...base, { version: '3', name: 'later', up: ['SELECT 1'] }], [{ ...view, up: ['CREATE OR REPLACE VIEW sale_totals AS SELECT 1 AS total'] }]);
    const waiting = await runVerification(driver, ahead, { targetVersion: '2' });
    expect(waiting.checks.filter((c) => c.check === 'schema-history' && !c.passed).map((c) => [c.object, c.severity, c.found])).toEqual([
      ['3_later/up.sql', 'info', 'pending'],
      ['R__sale_totals.sql', 'info', 'outdated'],
    ]);
    expect(waiting.ok).toBe(true);

    const removed = await runVerification(driver, bundle);
    expect(removed.checks.filter((c) => c.check === 'schema-history' && !c.passed).map((c) => [c.object, c.severity])).toEqual([['sale_totals', 'info']]);
    expect(removed.ok).toBe(true);
  });

  it('notes a migration without a verify script, and fails it when verify scripts are required', async () => {
    const noted = await runVerification(driver, bundle);
    expect(noted.ok).toBe(true);
    expect(noted.checks.filter((c) => c.kind === 'missing')).toEqual([
      { check: 'verify-script', object: '2_add_device/verify.sql', kind: 'missing', severity: 'info', passed: true, message: '2 (add_device) has no verify script: nothing to run' },
    ]);
    const required = await runVerification(driver, bundle, { requireVerify: true });
    expect(required.ok).toBe(false);
    expect(failing(required)).toEqual([
      {
        check: 'verify-script', object: '2_add_device/verify.sql', kind: 'missing', severity: 'error', passed: false, expected: 'a verify script', found: 'none',
        message: '2 (add_device) has no verify script, and verify scripts are required',
      },
    ]);
  });
});

describe('lock', () => {
  it('fails on a lease held past its expiry, naming the holder; a live lease is info', async () => {
    await db.sql(`INSERT INTO rds_migrate.lock VALUES (1, 'lambda:deploy-7', 'token', now() - interval '20 minutes', now() - interval '15 minutes', now() - interval '16 minutes')`);
    const report = await runVerification(driver, bundle);
    expect(report.ok).toBe(false);
    const [lock] = failingOf(report, 'lock');
    expect(lock).toMatchObject({ object: 'lock "rds_migrate"."lock"', severity: 'error', found: 'held by lambda:deploy-7' });
    expect(lock!.message).toMatch(/^the migration lock is held by lambda:deploy-7 9\d\d s past its lease \(expired \d{4}-\d\d-\d\dT[\d:.]+Z, acquired .*\): that runner stopped/);

    await db.sql(`UPDATE rds_migrate.lock SET expires_at = now() + interval '1 minute'`);
    const running = await runVerification(driver, bundle);
    expect(running.ok).toBe(true);
    expect(running.checks.find((c) => c.check === 'lock')).toMatchObject({ severity: 'info', passed: true, message: expect.stringMatching(/^the migration lock is held by lambda:deploy-7 since .* \(a migration is running\)$/) });
  });
});

describe('sequence-capacity', () => {
  it('fails for smallint and integer columns whose sequence is past the share of the column type, not for bigint', async () => {
    await db.sql(`CREATE TABLE tag (id smallint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, name text);
      CREATE TABLE event (id bigserial PRIMARY KEY);
      SELECT setval('tag_id_seq', 30000), setval('app_sale_id_seq', 2000000000), setval('event_id_seq', 2000000000)`);
    const report = await runVerification(driver, bundle);
    expect(failingOf(report, 'sequence-capacity')).toEqual([
      {
        check: 'sequence-capacity', object: 'sequence public.app_sale_id_seq', severity: 'error', passed: false,
        expected: 'below 75% of 2147483647', found: '2000000000 (93.1%)',
        message: 'sequence public.app_sale_id_seq feeding public.app_sale.id (integer) is at 2000000000, 93.1% of its limit 2147483647: widen the column to bigint before it runs out',
      },
      expect.objectContaining({ object: 'sequence public.tag_id_seq', found: '30000 (91.6%)', expected: 'below 75% of 32767' }),
    ]);
    // A higher share lets them pass; a smaller one catches a sequence the default lets through.
    expect(failingOf(await runVerification(driver, bundle, { sequenceMaxShare: 0.95 }), 'sequence-capacity')).toEqual([]);
    await db.sql(`SELECT setval('tag_id_seq', 20000)`);
    expect(failingOf(await runVerification(driver, bundle, { sequenceMaxShare: 0.5 }), 'sequence-capacity').map((c) => c.object)).toEqual([
      'sequence public.app_sale_id_seq',
      'sequence public.tag_id_seq',
    ]);
  });

  it('takes the sequence maximum when it is below the column type', async () => {
    await db.sql(`CREATE TABLE ticket (id integer PRIMARY KEY); CREATE SEQUENCE ticket_id_seq MAXVALUE 1000 OWNED BY ticket.id; SELECT setval('ticket_id_seq', 800)`);
    expect(failingOf(await runVerification(driver, bundle), 'sequence-capacity')).toMatchObject([
      { object: 'sequence public.ticket_id_seq', expected: 'below 75% of 1000', found: '800 (80%)' },
    ]);
  });

  it('refuses a share out of range before running anything', async () => {
    await expect(runVerification(driver, bundle, { sequenceMaxShare: 1.5 })).rejects.toThrow('sequenceMaxShare must be above 0 and at most 1, got 1.5');
  });
});

describe('index-usage', () => {
  /** Runs `statements` on one connection and waits until its statistics are visible to others. */
  async function withStats(statements: string[], expectScans: number): Promise<void> {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      for (const s of statements) await client.query(s);
      await client.query('SELECT pg_stat_force_next_flush()');
    } finally {
      await client.end();
    }
    for (let i = 0; i < 50; i++) {
      const { rows } = await db.sql("SELECT coalesce(seq_scan, 0) + coalesce(idx_scan, 0) AS scans FROM pg_stat_user_tables WHERE relname = 'app_sale'");
      if (Number(rows[0].scans) >= expectScans) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error('statistics did not arrive');
  }

  it('warns about duplicate indexes, keeping the one that backs a constraint', async () => {
    await db.sql(`CREATE INDEX app_sale_external_id_idx ON app_sale (external_id);
      CREATE INDEX app_sale_external_id_idx2 ON app_sale (external_id);
      ALTER TABLE app_sale ADD CONSTRAINT app_sale_external_id_key UNIQUE (external_id);
      CREATE INDEX app_sale_external_id_web_idx ON app_sale (external_id) WHERE source_device = 'web';
      CREATE INDEX app_sale_external_id_desc_idx ON app_sale (external_id DESC);
      CREATE INDEX app_sale_id_dup ON app_sale (id)`);
    const report = await runVerification(driver, bundle);
    expect(report.ok).toBe(true);
    expect(failingOf(report, 'index-usage').map((c) => [c.kind, c.object, c.found])).toEqual([
      ['duplicate', 'index public.app_sale_external_id_idx', 'duplicate of public.app_sale_external_id_key'],
      ['duplicate', 'index public.app_sale_external_id_idx2', 'duplicate of public.app_sale_external_id_key'],
      ['duplicate', 'index public.app_sale_id_dup', 'duplicate of public.app_sale_pkey'],
    ]);
    expect(failingOf(report, 'index-usage')[0]).toMatchObject({
      severity: 'warning',
      message: expect.stringMatching(/^index public\.app_sale_external_id_idx on public\.app_sale duplicates index public\.app_sale_external_id_key \(same columns, operator classes and predicate; \d+ KB\): drop one$/),
    });
    expect(report.counts.warnings).toBe(3);
  });

  it('warns about an index never scanned on a table read often enough, not about one in use, unique ones, or below the threshold', async () => {
    await db.sql(`INSERT INTO app_sale (external_id, amount) SELECT 'ext-' || g, g FROM generate_series(1, 200) g;
      CREATE INDEX app_sale_amount_idx ON app_sale (amount);
      CREATE INDEX app_sale_source_device_idx ON app_sale (source_device);
      CREATE UNIQUE INDEX app_sale_external_id_key ON app_sale (external_id);
      ANALYZE app_sale`);
    await withStats(
      [
        'SET enable_seqscan = off',
        'SELECT * FROM app_sale WHERE amount = 7',
        'SET enable_seqscan = on',
        'SET enable_indexscan = off',
        'SET enable_bitmapscan = off',
        ...Array.from({ length: 5 }, () => 'SELECT count(*) FROM app_sale'),
      ],
      6,
    );
    const report = await runVerification(driver, bundle, { unusedIndexMinTableScans: 6 });
    expect(failingOf(report, 'index-usage')).toEqual([
      {
        check: 'index-usage', object: 'index public.app_sale_source_device_idx', kind: 'unused', severity: 'warning', passed: false,
        expected: 'idx_scan > 0', found: 'idx_scan 0, table read 6 times',
        message: expect.stringMatching(/^index public\.app_sale_source_device_idx on public\.app_sale was never scanned while the table was read 6 times \(\d+ KB, statistics of this instance only\)$/),
      },
    ]);
    expect(report.ok).toBe(true);
    expect(failingOf(await runVerification(driver, bundle, { unusedIndexMinTableScans: 7 }), 'index-usage')).toEqual([]);
    // The default threshold (1000 reads) is far from reached.
    expect(failingOf(await runVerification(driver, bundle), 'index-usage')).toEqual([]);
  });
});

describe('severity overrides', () => {
  it('turn a failing check into a warning, so a deliberate NOT VALID constraint passes', async () => {
    await db.sql('ALTER TABLE app_sale ADD CONSTRAINT app_sale_amount_positive CHECK (amount > 0) NOT VALID');
    expect((await runVerification(driver, bundle)).ok).toBe(false);
    const report = await runVerification(driver, bundle, { severity: { 'not-valid-constraint': 'warning' } });
    expect(report.ok).toBe(true);
    expect(failingOf(report, 'not-valid-constraint')).toMatchObject([{ object: 'constraint public.app_sale.app_sale_amount_positive', severity: 'warning' }]);
  });
});

describe('a catalog check that cannot run', () => {
  it('fails as an error naming why, without hiding the other checks', async () => {
    await db.sql(`CREATE ROLE verify_reader_${db.name} LOGIN PASSWORD 'x'; GRANT USAGE ON SCHEMA rds_migrate TO verify_reader_${db.name}; GRANT SELECT ON rds_migrate.schema_history TO verify_reader_${db.name}`);
    const url = new URL(db.url);
    url.username = `verify_reader_${db.name}`;
    url.password = 'x';
    const { PgDriver } = await import('../../lambda/driver/pg/pg-driver');
    const reader = new PgDriver({ connectionString: url.toString() });
    try {
      const report = await runVerification(reader, bundle);
      expect(failingOf(report, 'lock')).toEqual([
        { check: 'lock', severity: 'error', passed: false, message: expect.stringMatching(/^the lock check could not run: SQLSTATE 42501: permission denied for table lock/) },
      ]);
      expect(report.checks.filter((c) => c.check === 'index-usage' || c.check === 'invalid-index').every((c) => c.passed)).toBe(true);
    } finally {
      await reader.close();
      await db.sql(`DROP OWNED BY verify_reader_${db.name}; DROP ROLE verify_reader_${db.name}`);
    }
  });
});
