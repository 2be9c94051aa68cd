/**
 * Drift: after a migrate (which records the schema fingerprint), each kind of change made by hand is
 * reported object by object, with the right object named; a clean database reports none.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runMigrate } from '../../lambda/actions/migrate-action';
import { runVerify } from '../../lambda/actions/verify-action';
import type { PgDriver } from '../../lambda/driver/pg/pg-driver';
import { collectFingerprint } from '../../lambda/verify/fingerprint/collect-fingerprint';
import { readLatestFingerprint } from '../../lambda/verify/fingerprint/record-fingerprint';
import { runVerification } from '../../lambda/verify/run-verification';
import { buildBundle } from '../engine/support/bundle';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { actionContext, bundle, failing, failingOf, SCHEMA } from './support/fixture';

let db: TestDatabase;
let driver: PgDriver;

beforeEach(async () => {
  db = await createTestDatabase('verify_drift');
  driver = db.driver();
  const migrated = await runMigrate(actionContext(driver));
  expect(migrated.ok).toBe(true);
});
afterEach(() => db.drop());

const verify = () => runVerification(driver, bundle);

describe('schema fingerprint', () => {
  it('is recorded by migrate with every object family, and a clean database reports no drift', async () => {
    const latest = await readLatestFingerprint(driver);
    expect(latest).toMatchObject({ version: '0023', recordedBy: 'test', schemas: ['public'], format: 1 });
    expect(latest!.sha256).toMatch(/^[0-9a-f]{64}$/);

    const live = await collectFingerprint(driver);
    expect(Object.keys(live.objects)).toHaveLength(latest!.objectCount);
    const families = new Set(Object.keys(live.objects).map((o) => o.replace(/ [^ ]+$/, '')));
    expect([...families].sort()).toEqual(['column', 'constraint', 'extension', 'foreign key', 'function', 'index', 'sequence', 'table', 'trigger', 'type', 'view']);
    expect(live.objects['index public.faktury_faktura_ocr_confidence_idx']).toEqual({
      table: 'public.faktury_faktura',
      definition: 'CREATE INDEX faktury_faktura_ocr_confidence_idx ON public.faktury_faktura USING btree (ocr_confidence)',
      valid: true, unique: false, primary: false,
    });
    expect(live.objects['column public.faktury_faktura.status']).toMatchObject({ type: 'public.faktura_status', notNull: true, default: "'wystawiona'::public.faktura_status" });
    expect(live.objects['foreign key public.faktury_faktura.faktury_faktura_user_id_fkey']).toMatchObject({ validated: true, references: 'public.auth_user' });
    expect(live.objects['sequence public.faktury_faktura_id_seq']).toMatchObject({ type: 'bigint', ownedBy: 'public.faktury_faktura.id' });
    expect(live.objects['function public.touch_updated_at()']).toMatchObject({ kind: 'function', returns: 'trigger', language: 'plpgsql' });
    expect(live.objects['type public.faktura_status']).toEqual({ kind: 'enum', labels: ['wystawiona', 'oplacona'] });
    // The schema history schema is never part of it.
    expect(Object.keys(live.objects).filter((o) => o.includes('rds_migrate'))).toEqual([]);

    const report = await verify();
    expect(failing(report)).toEqual([]);
    expect(report.counts).toMatchObject({ failures: 0, warnings: 0, driftObjects: 0, pendingMigrations: 0, invalidIndexes: 0 });
    expect(report.checks.find((c) => c.check === 'drift')!.message).toMatch(/^no drift since the fingerprint of version 0023 recorded /);
  });

  it('reports a dropped index as removed, with its recorded definition', async () => {
    await db.sql('DROP INDEX faktury_faktura_ocr_confidence_idx');
    const report = await verify();
    expect(report.ok).toBe(false);
    expect(failingOf(report, 'drift')).toEqual([
      {
        check: 'drift', object: 'index public.faktury_faktura_ocr_confidence_idx', kind: 'removed', severity: 'error', passed: false,
        expected: expect.objectContaining({ definition: 'CREATE INDEX faktury_faktura_ocr_confidence_idx ON public.faktury_faktura USING btree (ocr_confidence)' }),
        found: 'absent',
        message: expect.stringMatching(/^index public\.faktury_faktura_ocr_confidence_idx was removed outside the migrations \(since the fingerprint of version 0023 recorded \d{4}-/),
      },
    ]);
    expect(report.counts.driftObjects).toBe(1);
    // The verify script of 0022 fails too, and comes first.
    expect(failing(report)[0]).toMatchObject({ check: 'verify-script', object: '0022_add_ocr_indexes/verify.sql' });
  });

  it('reports an added column as added, with its definition', async () => {
    await db.sql('ALTER TABLE faktury_faktura ADD COLUMN notatka text');
    const report = await verify();
    expect(failingOf(report, 'drift')).toMatchObject([
      { object: 'column public.faktury_faktura.notatka', kind: 'added', expected: 'absent', found: { type: 'text', notNull: false, default: null } },
    ]);
  });

  it('reports a constraint changed by hand as changed, saying what changed', async () => {
    await db.sql(`ALTER TABLE faktury_faktura DROP CONSTRAINT faktury_faktura_ocr_confidence_range,
      ADD CONSTRAINT faktury_faktura_ocr_confidence_range CHECK (ocr_confidence >= 0 AND ocr_confidence <= 1000)`);
    const report = await verify();
    const [drift, ...rest] = failingOf(report, 'drift');
    expect(rest).toEqual([]);
    expect(drift).toMatchObject({ object: 'constraint public.faktury_faktura.faktury_faktura_ocr_confidence_range', kind: 'changed' });
    expect(drift!.message).toBe(
      'constraint public.faktury_faktura.faktury_faktura_ocr_confidence_range was changed outside the migrations: definition ' +
        '"CHECK (((ocr_confidence >= (0)::double precision) AND (ocr_confidence <= (100)::double precision)))" → ' +
        '"CHECK (((ocr_confidence >= (0)::double precision) AND (ocr_confidence <= (1000)::double precision)))"',
    );
  });

  it('reports an index left INVALID by a failed concurrent build: drift added (valid false) and the invalid-index check', async () => {
    await expect(db.sql('CREATE UNIQUE INDEX CONCURRENTLY faktury_faktura_user_numer_key ON faktury_faktura (user_id)')).rejects.toThrow(/could not create unique index/);
    const report = await verify();
    expect(failingOf(report, 'drift')).toMatchObject([
      { object: 'index public.faktury_faktura_user_numer_key', kind: 'added', found: { valid: false, unique: true } },
    ]);
    expect(failingOf(report, 'invalid-index')).toMatchObject([
      { object: 'index public.faktury_faktura_user_numer_key', severity: 'error', expected: 'valid', found: 'INVALID' },
    ]);
    expect(report.counts.invalidIndexes).toBe(1);
  });

  it('reports a NOT VALID constraint added by hand: drift added (validated false) and the not-valid-constraint check', async () => {
    await db.sql('ALTER TABLE faktury_faktura ADD CONSTRAINT faktury_faktura_numer_format CHECK (numer LIKE \'FV/%\') NOT VALID');
    await db.sql('ALTER TABLE faktury_faktura ADD CONSTRAINT faktury_faktura_user_fk2 FOREIGN KEY (user_id) REFERENCES auth_user (id) NOT VALID');
    const report = await verify();
    expect(failingOf(report, 'drift')).toMatchObject([
      { object: 'constraint public.faktury_faktura.faktury_faktura_numer_format', kind: 'added', found: { type: 'check', validated: false } },
      { object: 'foreign key public.faktury_faktura.faktury_faktura_user_fk2', kind: 'added', found: { validated: false, references: 'public.auth_user' } },
    ]);
    expect(failingOf(report, 'not-valid-constraint')).toEqual([
      {
        check: 'not-valid-constraint', object: 'constraint public.faktury_faktura.faktury_faktura_numer_format', severity: 'error', passed: false,
        expected: 'validated', found: 'NOT VALID',
        message: 'constraint public.faktury_faktura.faktury_faktura_numer_format is NOT VALID (existing rows unchecked): run ALTER TABLE public.faktury_faktura VALIDATE CONSTRAINT faktury_faktura_numer_format',
      },
      expect.objectContaining({ object: 'foreign key public.faktury_faktura.faktury_faktura_user_fk2', found: 'NOT VALID' }),
    ]);
  });

  it('names each other family: view, function, trigger, type, sequence, table', async () => {
    await db.sql(`CREATE OR REPLACE VIEW low_confidence AS SELECT id, numer FROM faktury_faktura WHERE ocr_confidence < 60;
      CREATE OR REPLACE FUNCTION touch_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.updated_at := clock_timestamp(); RETURN NEW; END $$;
      ALTER TABLE faktury_faktura DISABLE TRIGGER faktury_faktura_touch;
      ALTER TYPE faktura_status ADD VALUE 'anulowana';
      ALTER SEQUENCE faktura_numer_seq INCREMENT BY 10;
      DROP TABLE auth_user CASCADE;`);
    const report = await verify();
    expect(failingOf(report, 'drift').map((c) => [c.kind, c.object])).toEqual([
      ['removed', 'column public.auth_user.id'],
      ['removed', 'column public.auth_user.username'],
      ['removed', 'constraint public.auth_user.auth_user_pkey'],
      ['removed', 'constraint public.auth_user.auth_user_username_key'],
      ['removed', 'foreign key public.faktury_faktura.faktury_faktura_user_id_fkey'],
      ['changed', 'function public.touch_updated_at()'],
      ['removed', 'index public.auth_user_pkey'],
      ['removed', 'index public.auth_user_username_key'],
      ['removed', 'sequence public.auth_user_id_seq'],
      ['changed', 'sequence public.faktura_numer_seq'],
      ['removed', 'table public.auth_user'],
      ['changed', 'trigger public.faktury_faktura.faktury_faktura_touch'],
      ['changed', 'type public.faktura_status'],
      ['changed', 'view public.low_confidence'],
    ]);
    const seq = failingOf(report, 'drift');
    expect(seq.find((c) => c.object === 'type public.faktura_status')!.message).toMatch(/labels \["wystawiona","oplacona"\] → \["wystawiona","oplacona","anulowana"\]/);
    expect(seq.find((c) => c.object === 'trigger public.faktury_faktura.faktury_faktura_touch')!.message).toMatch(/enabled "O" → "D"/);
    expect(seq.find((c) => c.object === 'sequence public.faktura_numer_seq')!.message).toMatch(/increment 1 → 10$/);
    expect(report.counts.driftObjects).toBe(14);
  });
});

describe('drift and migrate', () => {
  it('a later migrate reports drift made before it as warnings, records a new fingerprint, and verifies clean', async () => {
    await db.sql('CREATE INDEX faktury_faktura_numer_idx ON faktury_faktura (numer)');
    const next = buildBundle([...SCHEMA, { version: '0024', name: 'add_note', up: ['ALTER TABLE faktury_faktura ADD COLUMN notatka text'] }]);
    const report = await runMigrate(actionContext(driver, next));
    expect(report.ok).toBe(true);
    expect(report.driftBeforeMigrate).toMatchObject([
      { check: 'drift', object: 'index public.faktury_faktura_numer_idx', kind: 'added', severity: 'warning', message: expect.stringMatching(/^before migrating: /) },
    ]);
    expect(report.fingerprint).toMatchObject({ version: '0024' });
    expect(failingOf(report.verification, 'drift')).toEqual([]);
  });

  it('a migrate that applies nothing keeps the fingerprint, so drift fails its verification', async () => {
    const before = await readLatestFingerprint(driver);
    await db.sql('ALTER TABLE faktury_faktura ALTER COLUMN updated_at TYPE timestamp');
    const report = await runMigrate(actionContext(driver));
    expect(report.migrate.applied).toEqual([]);
    expect(report.fingerprint).toBeNull();
    expect((await readLatestFingerprint(driver))!.id).toBe(before!.id);
    expect(report.ok).toBe(false);
    expect(failingOf(report.verification, 'drift')).toMatchObject([
      { object: 'column public.faktury_faktura.updated_at', kind: 'changed', message: expect.stringContaining('type "timestamp with time zone" → "timestamp without time zone"') },
    ]);
  });

  it('verify over other schemas than the fingerprint covers warns and compares over the recorded ones', async () => {
    await db.sql('CREATE SCHEMA billing; CREATE TABLE billing.konto (id int)');
    const report = await runVerify(actionContext(driver, bundle, { schemas: ['public', 'billing'] }));
    expect(failingOf(report.verification, 'drift')).toMatchObject([
      { object: 'schema fingerprint', severity: 'warning', expected: ['public', 'billing'], found: ['public'] },
    ]);
    expect(report.verification.ok).toBe(true);
  });
});
