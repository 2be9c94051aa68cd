import { status } from '../engine/commands/status';
import type { BundledMigration } from '../migrations/bundle';
import { checkSnapshotBudget, estimateSnapshot, planSnapshotScope, pruneSnapshots, takeSnapshot, type TableName } from '../snapshot';
import type { ActionContext, SnapshotTarget } from './action-context';

/** What a report says of one snapshot: enough to find it and to check it against the database. */
export interface SnapshotSummary {
  readonly snapshotId: string;
  /** `s3://bucket/key` of the manifest (written last: its presence means the snapshot is complete). */
  readonly manifest: string;
  /** Highest applied version when it was taken. */
  readonly schemaVersion: string | null;
  /** `full`: every table of the schemas; `affected`: the tables the pending migrations touch and their neighbours. */
  readonly scope: 'full' | 'affected';
  /** Why the scope is `full` although `affected` was configured (the migrations could not be analysed). */
  readonly scopeNote?: string;
  readonly tables: Array<{ readonly table: string; readonly rows: number; readonly key: string }>;
  readonly totalRows: number;
  /** Uncompressed JSON lines, bytes. */
  readonly bytes: number;
  /** The objects' size (gzip), bytes. */
  readonly compressedBytes: number;
  readonly durationMs: number;
  /** Snapshots deleted by retention after this one (`keep`), oldest last. */
  readonly pruned?: string[];
}

/** The snapshot was asked for but no bucket is configured. */
export class SnapshotsDisabledError extends Error {
  override readonly name = 'SnapshotsDisabledError';
  constructor() {
    super('Snapshots are not configured: set RDS_MIGRATE_SNAPSHOT_BUCKET (the construct sets it) or pass --snapshot-bucket');
  }
}

export interface RunSnapshotOptions {
  /**
   * The versioned migrations about to run: this is the snapshot before migrating, so the target's
   * `scope` applies (`affected` exports only what they touch). Absent: a snapshot of the full scope.
   */
  readonly pending?: readonly BundledMigration[];
}

/**
 * Takes a snapshot now, recording the applied versions in its manifest:
 *
 * 1. its tables: every table of the context's schemas, or with `pending` and scope `affected` those
 *    the pending migrations touch and their foreign-key neighbours (`snapshot/scope`);
 * 2. its estimated size (pg_class) checked against the target's `budget`: a snapshot that would not fit is
 *    refused with a {@link SnapshotBudgetError} before anything is read, so the migration it guards does
 *    not run;
 * 3. the export (`takeSnapshot`, `parallelism` tables at once);
 * 4. retention: with `keep`, the older complete snapshots beyond the `keep` newest are deleted, and
 *    incomplete ones older than a day; a failure there is logged, never thrown (the snapshot is done).
 *
 * @throws {SnapshotsDisabledError} when no bucket is configured
 * @throws {SnapshotBudgetError} when the snapshot would not fit its budget (nothing read, nothing written)
 * @throws {SnapshotError} when a table cannot be exported or uploaded (no manifest is written then)
 */
export async function runSnapshot(ctx: ActionContext, target: SnapshotTarget | undefined = ctx.snapshots, options: RunSnapshotOptions = {}): Promise<SnapshotSummary> {
  if (!target) throw new SnapshotsDisabledError();
  const current = await status(ctx.driver, ctx.bundle);
  const appliedVersions = current.migrations
    .filter((m) => m.state === 'applied' || m.state === 'changed' || m.state === 'missing')
    .map((m) => m.version);

  let tables: TableName[] | undefined;
  let scopeNote: string | undefined;
  if (options.pending && target.scope === 'affected') {
    const plan = await planSnapshotScope(ctx.driver, { scope: 'affected', pending: options.pending, schemas: ctx.schemas });
    if (plan.scope === 'affected') {
      tables = plan.tables;
      ctx.log.info('snapshot scope: affected tables', {
        tables: plan.tables.length, notFound: plan.notFound.length, outside: plan.outside.map((t) => `${t.schema}.${t.table}`),
      });
    } else if (plan.scope === 'full') {
      scopeNote = plan.reason;
      ctx.log.warn('snapshot scope: full, affected tables unknown', { reason: plan.reason });
    }
  }
  const scope = tables ? 'affected' : 'full';
  if (target.budget && (target.budget.maxBytes !== undefined || target.budget.maxSeconds !== undefined)) {
    const estimate = await estimateSnapshot(ctx.driver, ctx.schemas, tables);
    const what = `${options.pending ? 'the snapshot before migrating' : 'the snapshot'} (scope ${scope}, schemas ${ctx.schemas.join(', ')})`;
    const seconds = checkSnapshotBudget(estimate, target.budget, what);
    ctx.log.info('snapshot estimate within budget', { bytes: estimate.bytes, rows: estimate.rows, tables: estimate.tables.length, seconds: Math.ceil(seconds) });
  }

  const result = await takeSnapshot({
    driver: ctx.driver,
    s3: target.s3,
    bucket: target.bucket,
    prefix: target.prefix,
    schemas: ctx.schemas,
    schemaVersion: current.current,
    appliedVersions,
    log: ctx.log,
    ...(tables ? { tables } : {}),
    ...(target.parallelism !== undefined ? { parallelism: target.parallelism } : {}),
  });

  let pruned: string[] | undefined;
  if (target.keep !== undefined) {
    try {
      const retention = await pruneSnapshots(
        { s3: target.s3, bucket: target.bucket, prefix: target.prefix, database: ctx.driver.database },
        { keep: target.keep, protect: [result.snapshotId], log: ctx.log },
      );
      pruned = [...retention.deleted, ...retention.incompleteDeleted];
    } catch (error) {
      ctx.log.warn('snapshot retention failed; old snapshots were kept', { error: (error as Error)?.message ?? String(error) });
    }
  }
  return {
    snapshotId: result.snapshotId,
    manifest: `s3://${target.bucket}/${result.manifestKey}`,
    schemaVersion: current.current,
    scope,
    ...(scopeNote ? { scopeNote } : {}),
    tables: result.tables.map((t) => ({ table: `${t.schema}.${t.table}`, rows: t.rowCount, key: t.key })),
    totalRows: result.totalRows,
    bytes: result.tables.reduce((sum, t) => sum + t.bytes, 0),
    compressedBytes: result.tables.reduce((sum, t) => sum + t.compressedBytes, 0),
    durationMs: result.durationMs,
    ...(pruned ? { pruned } : {}),
  };
}

/** The snapshot step before migrating: the snapshot, or why none was taken. */
export interface SnapshotStep {
  readonly snapshot: SnapshotSummary | null;
  readonly skipped?: string;
}

/**
 * The snapshot before the pending migrations run (call it from migrate's `beforeApply`, holding the
 * lock): none when no bucket is configured or the scope is `none` (said in `skipped`), otherwise
 * {@link runSnapshot} with `pending`, so the scope and the budget apply.
 * @throws what `runSnapshot` throws: the migration must then not run
 */
export async function snapshotBeforeMigrate(ctx: ActionContext, pending: readonly BundledMigration[]): Promise<SnapshotStep> {
  if (!ctx.snapshots) {
    ctx.log.warn('no snapshot taken before migrating: no bucket configured', { pending: pending.length });
    return { snapshot: null, skipped: 'snapshots are not configured (no bucket)' };
  }
  if (ctx.snapshots.scope === 'none') {
    ctx.log.warn('no snapshot taken before migrating: snapshot scope is none', { pending: pending.length });
    return { snapshot: null, skipped: 'the snapshot scope is none (RDS_MIGRATE_SNAPSHOT_SCOPE)' };
  }
  ctx.log.info('taking snapshot before migrating', { pending: pending.map((m) => m.version), scope: ctx.snapshots.scope ?? 'full' });
  return { snapshot: await runSnapshot(ctx, ctx.snapshots, { pending }) };
}
