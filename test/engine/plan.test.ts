import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrate } from '../../lambda/engine/commands/migrate';
import { plan } from '../../lambda/engine/commands/plan';
import { HistoryValidationError } from '../../lambda/engine/errors';
import type { MigrationPlan, PlannedStatement } from '../../lambda/engine/plan/types';
import { foldedBodyOf } from '../../lambda/engine/plan/fold-batch';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { buildBundle, type MigrationSpec } from './support/bundle';
import { RecordingDriver } from './support/recording-driver';

let db: TestDatabase;

beforeEach(async () => {
  db = await createTestDatabase('engine_plan');
});
afterEach(() => db.drop());

const specs: MigrationSpec[] = [
  { version: '1', name: 'create_sale', up: ['CREATE TABLE sale (id bigint PRIMARY KEY, external_id uuid, source_device text)'] },
  {
    version: '2',
    name: 'add_sync_fields',
    up: ["ALTER TABLE sale ADD COLUMN synced_at timestamptz", "UPDATE sale SET source_device = 'web' WHERE source_device IS NULL"],
  },
  { version: '3', name: 'index_external_id', up: ['CREATE UNIQUE INDEX CONCURRENTLY sale_external_id_key ON sale (external_id)', 'ANALYZE sale'] },
];

/**
 * The plan as the sequence of calls it makes, without the BEGINs (the executor begins the next
 * transaction ahead, while the previous one runs): statements, COMMIT after each transaction step.
 */
function flatten(p: MigrationPlan): string[] {
  return p.migrations.flatMap((m) =>
    m.steps.flatMap((step) => {
      const sqls = step.statements.map((s) => s.sql);
      return step.transaction ? [...sqls, 'COMMIT'] : sqls;
    }),
  );
}

/** Escapes text for a RegExp. */
const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * True when `sent` is `planned` as the executor sends it: the same text, or for a folded step, the same
 * text with its runtime parameters written as literals in its head.
 */
function sentAsPlanned(sent: string, planned: PlannedStatement): boolean {
  if (planned.inlineParamsBefore === undefined) return sent === planned.sql;
  const head = planned.sql.slice(0, planned.inlineParamsBefore);
  const tail = planned.sql.slice(planned.inlineParamsBefore);
  const pattern = new RegExp(`^${escape(head).replace(/:lease_token/g, "'[0-9a-f-]{36}'").replace(/:execution_ms/g, '\\d+')}$`);
  return sent.endsWith(tail) && pattern.test(sent.slice(0, sent.length - tail.length));
}

describe('plan', () => {
  it('lists the exact statements migrate then runs: each transactional migration folded into one DO block call', async () => {
    const bundle = buildBundle(specs);
    const driver = new RecordingDriver(db.driver());
    const dryRun = await plan(driver, bundle, { appliedBy: 'ci', lockTimeoutMs: 3000 });

    expect(dryRun.current).toBeNull();
    expect(dryRun.target).toBe('3');
    const first = dryRun.migrations[0]!;
    expect(first.steps).toHaveLength(1);
    // One transaction, listed statement by statement as it runs: the script, then the schema history row...
    expect(first.steps[0]!.transaction).toBe(true);
    expect(first.steps[0]!.statements.map((s) => s.role)).toEqual(['migration', 'history']);
    expect(first.steps[0]!.statements[0]!.source).toEqual({ file: '1_create_sale/up.sql', line: 1, statement: 1 });
    expect(first.steps[0]!.statements[1]).toMatchObject({ params: { version: '1', name: 'create_sale', type: 'sql', applied_by: 'ci', checksum: bundle.migrations[0]!.checksum } });
    // ...and sent as one DO block call.
    const folded = first.steps[0]!.folded!;
    expect(folded.sql).toMatch(/^DO \$rds_migrate\$/);
    expect(folded.sql).toContain("set_config('lock_timeout', '3000ms', true)");
    expect(folded.sql).toContain(`INSERT INTO "rds_migrate"."schema_history"`);
    expect(folded.sql).toContain(`EXECUTE $rds_migrate_1$${specs[0]!.up[0]}$rds_migrate_1$;`);
    expect(folded.folds!.map((s) => s.role)).toEqual(['history', 'migration']);
    const third = dryRun.migrations[2]!;
    expect(third.transactional).toBe(false);
    expect(third.steps.map((s) => [s.transaction, Boolean(s.folded), s.statements.map((x) => x.role)])).toEqual([
      [false, false, ['history']],
      [false, false, ['guard', 'migration']],
      [false, false, ['history']],
      [true, true, ['migration', 'history']],
    ]);
    // The dry run created nothing.
    expect((await db.sql("SELECT count(*)::int AS n FROM pg_namespace WHERE nspname = 'rds_migrate'")).rows[0].n).toBe(0);

    let fromHere = 0;
    await migrate(driver, bundle, {
      appliedBy: 'ci',
      lockTimeoutMs: 3000,
      lock: { leaseMs: 600_000 },
      // One call per folded step (sent together, see the next test).
      batchMigrations: false,
      beforeApply: async () => {
        fromHere = driver.calls.length;
      },
    });
    const ran = driver.calls.slice(fromHere);
    expect(ran.pop()!.sql).toMatch(/^DELETE FROM "rds_migrate"\."lock"/);
    // No transaction: every folded step is one call.
    const planned = dryRun.migrations.flatMap((m) => m.steps.flatMap((s) => (s.folded ? [s.folded] : s.statements)));
    expect(ran).toHaveLength(planned.length);
    planned.forEach((statement, i) => {
      expect(sentAsPlanned(ran[i]!.sql, statement), `call ${i + 1}`).toBe(true);
      expect(ran[i]!.params ?? {}).toMatchObject(statement.inlineParamsBefore === undefined ? (statement.params ?? {}) : {});
    });
    expect(ran.filter((c) => c.sql.startsWith('DO ')).length).toBe(3);
  });

  it('lists the bodies of the consecutive folded migrations migrate sends together in one call', async () => {
    const bundle = buildBundle(specs);
    const driver = new RecordingDriver(db.driver());
    const dryRun = await plan(driver, bundle, { appliedBy: 'ci', lockTimeoutMs: 3000 });
    let fromHere = 0;
    await migrate(driver, bundle, { appliedBy: 'ci', lockTimeoutMs: 3000, beforeApply: async () => void (fromHere = driver.calls.length) });
    const ran = driver.calls.slice(fromHere);
    // Migrations 1 and 2 (folded) in one call, their planned bodies in order, each followed by its COMMIT.
    const batch = ran[0]!.sql;
    expect(batch).toMatch(/^DO \$rds_migrate_batch\$/);
    const bodies = dryRun.migrations.slice(0, 2).map((m) => foldedBodyOf(m.steps[0]!.folded!)!);
    const at = bodies.map((body) => batch.indexOf(`${body}\n  EXCEPTION WHEN OTHERS THEN`));
    expect(at.every((i) => i > 0)).toBe(true);
    expect(at[0]).toBeLessThan(at[1]!);
    expect(batch.slice(at[0]!, at[1]!)).toContain('  COMMIT;');
    // Migration 3 (not transactional) as planned, statement by statement.
    const third = dryRun.migrations[2]!.steps.flatMap((s) => (s.folded ? [s.folded] : s.statements));
    expect(ran.slice(1, 1 + third.length).every((call, i) => sentAsPlanned(call.sql, third[i]!))).toBe(true);
  });

  it('lists the exact statements migrate then runs as transactions, with timeouts and history writes', async () => {
    const bundle = buildBundle(specs);
    const driver = new RecordingDriver(db.driver());
    const dryRun = await plan(driver, bundle, { appliedBy: 'ci', lockTimeoutMs: 3000, foldTransactions: false });
    const first = dryRun.migrations[0]!;
    expect(first.steps[0]!.transaction).toBe(true);
    // The transaction opens with its timeouts and its schema history row in one statement.
    expect(first.steps[0]!.statements.map((s) => s.role)).toEqual(['history', 'migration']);
    expect(first.steps[0]!.statements[0]!).toMatchObject({
      sql: expect.stringContaining("set_config('lock_timeout', '3000ms', true)"),
      params: { version: '1', name: 'create_sale', type: 'sql', applied_by: 'ci', checksum: bundle.migrations[0]!.checksum },
      runtimeParams: ['execution_ms', 'lease_token'],
      session: true,
    });
    expect(first.steps[0]!.statements[0]!.sql).toContain('INSERT INTO "rds_migrate"."schema_history"');
    expect(first.steps[0]!.statements[1]!.source).toEqual({ file: '1_create_sale/up.sql', line: 1, statement: 1 });
    expect(dryRun.migrations[2]!.steps.map((s) => [s.transaction, s.statements.map((x) => x.role)])).toEqual([
      [false, ['history']],
      [false, ['guard', 'migration']],
      [false, ['history']],
      [true, ['history', 'migration']],
    ]);

    let fromHere = 0;
    await migrate(driver, bundle, {
      appliedBy: 'ci',
      lockTimeoutMs: 3000,
      foldTransactions: false,
      lock: { leaseMs: 600_000 },
      beforeApply: async () => {
        fromHere = driver.calls.length;
      },
    });
    const ran = driver.calls.slice(fromHere);
    // After the plan's statements, the lease is released.
    expect(ran.pop()!.sql).toMatch(/^DELETE FROM "rds_migrate"\."lock"/);
    expect(ran.filter((c) => c.sql !== 'BEGIN').map((c) => c.sql)).toEqual(flatten(dryRun));
    // Each transaction is BEGIN, its step's statements, COMMIT, and no transaction is left over.
    // (In the order of their first statement: a BEGIN sent ahead may come before the previous one's.)
    const transactions = new Map<string, { first: number; calls: string[] }>();
    ran.forEach((c, i) => {
      if (!c.transaction) return;
      const tx = transactions.get(c.transaction) ?? { first: Infinity, calls: [] };
      if (c.sql !== 'BEGIN') tx.first = Math.min(tx.first, i);
      tx.calls.push(c.sql);
      transactions.set(c.transaction, tx);
    });
    const txSteps = dryRun.migrations.flatMap((m) => m.steps.filter((s) => s.transaction));
    expect([...transactions.values()].sort((a, b) => a.first - b.first).map((t) => t.calls)).toEqual(
      txSteps.map((s) => ['BEGIN', ...s.statements.map((x) => x.sql), 'COMMIT']),
    );
    // Plan-time parameters are sent as planned; runtime ones are added.
    const planned = dryRun.migrations.flatMap((m) => m.steps.flatMap((s) => s.statements));
    const sent = ran.filter((c) => c.sql !== 'BEGIN' && c.sql !== 'COMMIT');
    planned.forEach((statement, i) => {
      expect(sent[i]!.params ?? {}).toMatchObject(statement.params ?? {});
      for (const name of statement.runtimeParams ?? []) expect(sent[i]!.params).toHaveProperty(name);
    });
  });

  it('is empty once everything is applied, and refuses as migrate would', async () => {
    const driver = db.driver();
    const bundle = buildBundle(specs);
    await migrate(driver, bundle, { appliedBy: 'ci' });
    expect(await plan(driver, bundle, { appliedBy: 'ci' })).toEqual({ direction: 'up', current: '3', target: '3', migrations: [], repeatables: [] });
    const changed = buildBundle([specs[0]!, { ...specs[1]!, up: ['ALTER TABLE sale ADD COLUMN synced_at timestamp'] }, specs[2]!]);
    await expect(plan(driver, changed, { appliedBy: 'ci' })).rejects.toBeInstanceOf(HistoryValidationError);
  });

  it('plans up to a target version with a statement timeout', async () => {
    const p = await plan(db.driver(), buildBundle(specs), { appliedBy: 'ci', targetVersion: '2', statementTimeoutMs: 60_000 });
    expect(p.migrations.map((m) => m.version)).toEqual(['1', '2']);
    // A statement_timeout would bound a folded block as a whole: such a migration runs as a transaction.
    expect(p.migrations[1]!.steps[0]!.transaction).toBe(true);
    const opener = p.migrations[1]!.steps[0]!.statements[0]!.sql;
    expect(opener).toContain("set_config('lock_timeout', '5000ms', true)");
    expect(opener).toContain("set_config('statement_timeout', '60000ms', true)");
    await expect(plan(db.driver(), buildBundle(specs), { appliedBy: 'ci', lockTimeoutMs: -1 })).rejects.toThrow(/lockTimeoutMs must be a whole number/);
  });
});
