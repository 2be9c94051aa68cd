/**
 * The console actions plan, baseline and rollback on FaktuLove, through the handler from sources (real
 * SDK clients, the local Data API and S3), and the actions called directly where the handler cannot
 * reach a case (the action's own confirmation check, a time budget that runs out): what each refuses,
 * and what each leaves behind (schema history, snapshots, the schema fingerprint).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActionContext } from '../../lambda/actions/action-context';
import type { BaselineActionReport } from '../../lambda/actions/baseline-action';
import type { ListSnapshotsReport } from '../../lambda/actions/list-snapshots-action';
import type { MigrateActionReport } from '../../lambda/actions/migrate-action';
import type { PlanActionReport } from '../../lambda/actions/plan-action';
import { runRollback, RollbackNotConfirmedError, type RollbackActionReport } from '../../lambda/actions/rollback-action';
import type { StatusActionReport } from '../../lambda/actions/status-action';
import type { VerifyActionReport } from '../../lambda/actions/verify-action';
import { loadBundle } from '../../lambda/migrations/load-bundle';
import { silentLog } from '../../lambda/observability/log';
import { startFaktuLoveHarness, type FaktuLoveHarness } from './support/faktulove-harness';

describe('plan, baseline and rollback on FaktuLove', () => {
  let h: FaktuLoveHarness;
  let ctx: ActionContext;

  const invoke = <T>(event: unknown): Promise<T> => h.handler(event) as Promise<T>;
  const refusal = (event: unknown): Promise<Error> =>
    h.handler(event).then(
      (result) => {
        throw new Error(`${JSON.stringify(event)} was not refused: ${JSON.stringify(result).slice(0, 300)}`);
      },
      (error: unknown) => error as Error,
    );
  const history = async () =>
    (await h.db.sql(`SELECT version, type, success FROM rds_migrate.schema_history ORDER BY installed_rank`)).rows as Array<{ version: string; type: string; success: boolean }>;
  const snapshotCount = async () => (await invoke<ListSnapshotsReport>({ action: 'list-snapshots' })).total;

  beforeAll(async () => {
    h = await startFaktuLoveHarness();
    const bundle = loadBundle(JSON.parse(await readFile(path.join(h.taskRoot, 'migrations.json'), 'utf8')));
    ctx = {
      driver: h.db.driver(),
      bundle,
      schemas: ['public'],
      appliedBy: 'oncall@example',
      log: silentLog,
      snapshots: { s3: h.aws.s3.client(), bucket: h.aws.bucket, prefix: 'snapshots/' },
    };
  });
  afterAll(() => h?.close());

  it('plans every version on a database rds-migrate has never seen, changing nothing', async () => {
    const plan = await invoke<PlanActionReport>({ action: 'plan' });
    expect(plan.migrations.map((m) => m.version)).toEqual(['0021', '0022', '0023', '0024']);
    expect([plan.current, plan.target]).toEqual([null, '0024']);
    // 0021 is one transaction with its schema history row (sent as one DO block when folded): its
    // ALTER TABLE is there as written in the file.
    const first = plan.migrations[0]!;
    expect(first.transactional).toBe(true);
    const statements = first.steps.flatMap((step) => step.statements.flatMap((s) => s.folds ?? [s]));
    const alter = statements.filter((s) => s.role === 'migration');
    expect(alter.map((s) => s.sql)).toEqual(ctx.bundle.migrations[0]!.up.statements.map((s) => s.sql));
    expect(alter[0]!.sql).toMatch(/^ALTER TABLE faktury_faktura\n  ADD COLUMN source_document_id integer NULL,/);
    expect(statements.some((s) => s.role === 'history')).toBe(true);
    const schemas = await h.db.sql(`SELECT count(*)::int AS n FROM pg_namespace WHERE nspname = 'rds_migrate'`);
    expect(schemas.rows[0].n).toBe(0);
  });

  it('refuses to baseline a version that is not in the bundle, naming the versions it has', async () => {
    const error = await refusal({ action: 'baseline', version: '0020' });
    expect(error.message).toBe('version: 0020 is not a migration of the bundle (its versions: 0021, 0022, 0023, 0024); nothing was recorded');
  });

  it('refuses to baseline at 0021 when the database does not have its columns: the verify script says which check failed', async () => {
    await h.db.sql('ALTER TABLE faktury_faktura RENAME COLUMN ocr_extracted_at TO ocr_extracted_on');
    try {
      const error = await refusal({ action: 'baseline', version: '0021' });
      expect(error.name).toBe('BaselineRefusedError');
      expect(error.message).toMatch(/^Baseline at 0021 refused, nothing was recorded: .*0021_add_ocr_fields_to_faktura\/verify\.sql line 4 \(statement 1\) returned false in its first column "ocr_fields_present"/);
      const recorded = await h.db.sql(`SELECT count(*)::int AS n FROM pg_namespace WHERE nspname = 'rds_migrate'`);
      expect(recorded.rows[0].n).toBe(0);
    } finally {
      await h.db.sql('ALTER TABLE faktury_faktura RENAME COLUMN ocr_extracted_on TO ocr_extracted_at');
    }
  });

  it('baselines at 0021 once: the schema fingerprint recorded for 0021, a second baseline refused', async () => {
    const report = await invoke<BaselineActionReport>({ action: 'baseline', version: '0021' });
    expect(report).toMatchObject({ ok: true, baselined: ['0021'], current: '0021', fingerprint: { version: '0021', recordedBy: 'rds-migrate' } });
    const fingerprints = await h.db.sql(`SELECT version, recorded_by FROM rds_migrate.schema_fingerprint ORDER BY id`);
    expect(fingerprints.rows).toEqual([{ version: '0021', recorded_by: report.fingerprint.recordedBy }]);

    const again = await refusal({ action: 'baseline', version: '0021' });
    expect(again.name).toBe('HistoryValidationError');
    expect(again.message).toMatch(/baseline refused, nothing was changed:\n- the schema history already has 1 row\(s\) \(last: 0021 add_ocr_fields_to_faktura, baseline\)/);
    expect(await history()).toEqual([{ version: '0021', type: 'baseline', success: true }]);
  });

  it('plans up to a target, and nothing when nothing is pending; refuses a target it cannot reach', async () => {
    const to0022 = await invoke<PlanActionReport>({ action: 'plan', targetVersion: '0022' });
    expect(to0022.migrations.map((m) => m.version)).toEqual(['0022']);
    expect(to0022.migrations[0]!.steps.every((s) => !s.transaction)).toBe(true);
    const unknown = await refusal({ action: 'plan', targetVersion: '0025' });
    expect(unknown.message).toBe('targetVersion 0025 is not a migration of the bundle');

    const migrated = await invoke<MigrateActionReport>({ action: 'migrate' });
    expect(migrated.ok).toBe(true);
    const nothing = await invoke<PlanActionReport>({ action: 'plan' });
    expect(nothing).toMatchObject({ current: '0024', target: '0024', migrations: [], repeatables: [], statements: 0 });
    const below = await refusal({ action: 'plan', targetVersion: '0022' });
    expect(below.message).toBe('targetVersion 0022 is below the current version 0024: use rollback to go down');
  });

  it('refuses a rollback whose confirmation does not repeat the target, in the event and in the action itself', async () => {
    const event = await refusal({ action: 'rollback', targetVersion: '0022', confirm: '0021' });
    expect(event.message).toBe('Invalid event: confirm: does not repeat targetVersion: nothing is rolled back without the exact target confirmed');
    const direct = await runRollback(ctx, { targetVersion: '0022', confirm: '22' }).catch((e: unknown) => e);
    expect(direct).toBeInstanceOf(RollbackNotConfirmedError);
    expect((direct as Error).message).toBe('Rollback to 0022 refused: confirm: "22" does not repeat the target version 0022; nothing was changed');
    expect((await invoke<StatusActionReport>({ action: 'status' })).current).toBe('0024');
  });

  it('refuses bad targets before anything runs: above the current version, unknown, or below a migration without down script', async () => {
    const snapshots = await snapshotCount();
    const unknown = await refusal({ action: 'rollback', targetVersion: '0030', confirm: '0030' });
    expect(unknown.message).toBe('targetVersion 0030 is not a version of the bundle or the schema history (use 0 to revert everything)');
    const irreversible = await refusal({ action: 'rollback', targetVersion: '0', confirm: '0' });
    expect(irreversible.name).toBe('HistoryValidationError');
    expect(irreversible.message).toContain('0021 (add_ocr_fields_to_faktura) has no down script (0021_add_ocr_fields_to_faktura/down.sql)');
    expect(await snapshotCount()).toBe(snapshots);
    expect((await history()).filter((r) => r.type === 'undo')).toEqual([]);
  });

  it('stops before the first down script when the time budget is used up, and says to invoke again', async () => {
    const report = await runRollback(ctx, { targetVersion: '0023', confirm: '0023', timeBudget: { remainingTimeMs: () => 0, reserveMs: 0 } });
    expect(report).toMatchObject({ action: 'rollback', ok: true, inProgress: true, rollback: { reverted: [], current: '0024' } });
    expect('inProgress' in report && report.message).toBe(
      'Stopped before reverting 0024 (validate_ocr_constraints): the time budget of this invocation is used up. Invoke the function with {"action":"rollback","targetVersion":"0023","confirm":"0023"} again to continue.',
    );
    expect((await history()).filter((r) => r.type === 'undo')).toEqual([]);
  });

  it('rolls back to 0022: snapshot first, then 0024 and 0023 reverted, the fingerprint recorded so that verify reports no drift', async () => {
    const snapshots = await snapshotCount();
    const report = await invoke<RollbackActionReport>({ action: 'rollback', targetVersion: '0022', confirm: '0022' });
    expect(report.rollback.reverted.map((m) => m.version)).toEqual(['0024', '0023']);
    expect(report.rollback.current).toBe('0022');
    expect(report.snapshot).toMatchObject({ schemaVersion: '0024', totalRows: 5040 });
    expect(await snapshotCount()).toBe(snapshots + 1);
    expect(report.fingerprint?.version).toBe('0022');
    expect(report.ok).toBe(true);
    const constraints = await h.db.sql(`SELECT count(*)::int AS n FROM pg_constraint WHERE conrelid = 'faktury_faktura'::regclass AND contype = 'c'`);
    expect(constraints.rows[0].n).toBe(0);

    // The scheduled verification: 0023 and 0024 are pending (the bundle says they should be applied),
    // but the dropped constraints are not drift: the fingerprint is the rolled-back schema's.
    const verify = await invoke<VerifyActionReport>({ action: 'verify' });
    const failing = verify.verification.checks.filter((c) => !c.passed && c.severity === 'error');
    expect(failing.map((c) => [c.check, c.found])).toEqual([
      ['schema-history', 'pending'],
      ['schema-history', 'pending'],
    ]);
    expect(verify.verification.checks.filter((c) => c.check === 'drift').every((c) => c.passed)).toBe(true);
    expect(verify.verification.counts.driftObjects).toBe(0);
  });

  it('reverts nothing, and takes no snapshot, when already at the target', async () => {
    const snapshots = await snapshotCount();
    const report = await invoke<RollbackActionReport>({ action: 'rollback', targetVersion: '0022', confirm: '0022' });
    expect(report).toMatchObject({ ok: true, snapshot: null, snapshotSkipped: 'nothing to revert', fingerprint: null, rollback: { reverted: [], current: '0022' } });
    expect(await snapshotCount()).toBe(snapshots);
  });
});
