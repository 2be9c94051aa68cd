import { status } from '../engine/commands/status';
import { readSchemaHistory } from '../engine/history/read';
import { computeStatus, type Status } from '../engine/status/compute';
import type { BundledMigration } from '../migrations/bundle';
import { checkSnapshotBudget, DEFAULT_EXPORT_BYTES_PER_SECOND, estimateSnapshot, planSnapshotScope, pruneSnapshots, SnapshotBudgetError, takeSnapshot, type TableName } from '../snapshot';
import type { ActionContext, SnapshotTarget } from './action-context';
import { spendableMs } from '../engine/run/time-budget';
import { appliedVersionsOf, findCoveringSnapshot, protectedForResume, resumedMigration, type HistoryView, type ReusedSnapshot } from './covering-snapshot';

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
  /** Uncompressed lines, bytes. */
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
  /** The schema history's status, when the caller has just read it holding the lock. @default read here */
  readonly status?: Status;
}

/**
 * Takes a snapshot now, recording the applied versions in its manifest:
 *
 * 1. its tables: every table of the context's schemas, or with `pending` and scope `affected` those
 *    the pending migrations touch and their foreign-key neighbours (`snapshot/scope`);
 * 2. its estimated size (pg_class) checked against the target's `budget`: a snapshot that would not fit is
 *    refused with a {@link SnapshotBudgetError} before anything is read, so the migration it guards does
 *    not run;
 * 3. the export (`takeSnapshot`, `parallelism` tables at once), stopped as a failure once the target's
 *    `timeBudget` (the invocation's time) is spent;
 * 4. retention: with `keep`, the older complete snapshots beyond the `keep` newest are deleted, and
 *    incomplete ones older than a day; a failure there is logged, never thrown (the snapshot is done).
 *    While a migration is unfinished (in progress or failed at a statement), the snapshot a run resuming
 *    it would reuse is kept too (`covering-snapshot.ts`, `protectedForResume`); when that cannot be
 *    found out, nothing is deleted.
 *
 * @throws {SnapshotsDisabledError} when no bucket is configured
 * @throws {SnapshotBudgetError} when the snapshot would not fit its budget (nothing read, nothing written)
 * @throws {SnapshotError} when a table cannot be exported or uploaded (no manifest is written then)
 */
export async function runSnapshot(ctx: ActionContext, target: SnapshotTarget | undefined = ctx.snapshots, options: RunSnapshotOptions = {}): Promise<SnapshotSummary> {
  if (!target) throw new SnapshotsDisabledError();
  const current = options.status ?? (await status(ctx.driver, ctx.bundle));
  const appliedVersions = appliedVersionsOf(current);

  const { tables, scopeNote, scope } = await snapshotScope(ctx, target, options.pending);
  if (target.budget && (target.budget.maxBytes !== undefined || target.budget.maxSeconds !== undefined)) {
    const estimate = await estimateSnapshot(ctx.driver, ctx.schemas, tables);
    const seconds = checkSnapshotBudget(estimate, target.budget, snapshotWhat(ctx, scope, options.pending !== undefined));
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
    ...(target.timeBudget ? { timeBudget: target.timeBudget } : {}),
  });

  let pruned: string[] | undefined;
  if (target.keep !== undefined) {
    try {
      const location = { s3: target.s3, bucket: target.bucket, prefix: target.prefix, database: ctx.driver.database };
      // Read again now: a migration may have started or finished while the snapshot ran (a manual snapshot holds no lock).
      const covering = await protectedForResume(location, await readHistoryView(ctx), ctx.schemas, ctx.log);
      if (covering.length > 0) ctx.log.info('retention keeps the snapshot a resumed migration relies on', { snapshotIds: covering });
      const retention = await pruneSnapshots(location, { keep: target.keep, protect: [result.snapshotId, ...covering], log: ctx.log });
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

const SNAPSHOTS_NOT_CONFIGURED = 'snapshots are not configured (no bucket)';

/**
 * Why the snapshot before migrating or reverting is not taken, or undefined when it is: no bucket; scope
 * `none`; or the invocation's time (`target.timeBudget`) already spent, when the run stops before its first
 * migration anyway (the engine checks the same budget before each one) and the next invocation takes it:
 * a snapshot started then would only run out of time and fail.
 */
export function snapshotSkipped(target: SnapshotTarget | undefined): string | undefined {
  if (!target) return SNAPSHOTS_NOT_CONFIGURED;
  if (target.scope === 'none') return 'the snapshot scope is none (RDS_MIGRATE_SNAPSHOT_SCOPE)';
  if (spendableMs(target.timeBudget) === 0) {
    return "the invocation's time is used up: nothing is migrated or reverted in it, and the next invocation takes the snapshot";
  }
  return undefined;
}

/** The tables a snapshot exports: every table of the schemas (`full`), or with `pending` and scope `affected` those they touch and their neighbours. */
interface SnapshotScopeChoice {
  /** The tables, or undefined for every table of the context's schemas. */
  readonly tables?: TableName[];
  /** Why the scope is `full` although `affected` was configured. */
  readonly scopeNote?: string;
  readonly scope: 'full' | 'affected';
}

async function snapshotScope(ctx: ActionContext, target: SnapshotTarget, pending: readonly BundledMigration[] | undefined): Promise<SnapshotScopeChoice> {
  if (!pending || target.scope !== 'affected') return { scope: 'full' };
  const plan = await planSnapshotScope(ctx.driver, { scope: 'affected', pending, schemas: ctx.schemas });
  if (plan.scope === 'affected') {
    ctx.log.info('snapshot scope: affected tables', {
      tables: plan.tables.length, notFound: plan.notFound.length, outside: plan.outside.map((t) => `${t.schema}.${t.table}`),
    });
    return { tables: plan.tables, scope: 'affected' };
  }
  if (plan.scope === 'full') {
    ctx.log.warn('snapshot scope: full, affected tables unknown', { reason: plan.reason });
    return { scopeNote: plan.reason, scope: 'full' };
  }
  return { scope: 'full' };
}

/** Names a snapshot in a budget refusal: `the snapshot before migrating (scope full, schemas public)`. */
function snapshotWhat(ctx: ActionContext, scope: 'full' | 'affected', beforeMigrating: boolean): string {
  return `${beforeMigrating ? 'the snapshot before migrating' : 'the snapshot'} (scope ${scope}, schemas ${ctx.schemas.join(', ')})`;
}

/** What a plan says of the snapshot migrate would take first (`planSnapshotBeforeMigrate`). */
export interface PlannedSnapshot {
  /** Why none would be taken (no bucket, scope `none`), as migrate's report would say. */
  readonly skipped?: string;
  /** The snapshot migrate would reuse instead: it covers the unfinished migration the run would resume. */
  readonly reused?: ReusedSnapshot;
  readonly scope?: 'full' | 'affected';
  /** Why the scope is `full` although `affected` was configured. */
  readonly scopeNote?: string;
  /**
   * The catalog's estimate of what it would export (`pg_table_size`, `reltuples`: nothing is scanned), and
   * the export time at the budget's rate (`RDS_MIGRATE_SNAPSHOT_BYTES_PER_SECOND`, default 8 MiB/s), seconds.
   */
  readonly estimate?: {
    readonly bytes: number;
    readonly rows: number;
    readonly tables: number;
    readonly seconds: number;
    /** Its largest tables (at most 5), as `schema.table`, bytes. */
    readonly largest: Array<{ readonly table: string; readonly bytes: number }>;
  };
  /** The refusal migrate would meet (the estimate over the budget): no migration would run. */
  readonly refused?: string;
}

/**
 * What `snapshotBeforeMigrate` would do before `pending`, worked out without exporting anything: none
 * taken (`skipped`), one reused (a covering snapshot), or the scope it would take with the catalog's
 * estimate of its size and time, and the refusal it would meet when that is over `ctx.snapshots.budget`.
 * Reads the schema history, the catalog and the bucket's listing only.
 */
export async function planSnapshotBeforeMigrate(ctx: ActionContext, pending: readonly BundledMigration[]): Promise<PlannedSnapshot> {
  const skipped = snapshotSkipped(ctx.snapshots);
  if (skipped !== undefined || !ctx.snapshots) return { skipped: skipped ?? SNAPSHOTS_NOT_CONFIGURED };
  const target = ctx.snapshots;
  const reused = await coveringSnapshot(ctx, target, pending, await readHistoryView(ctx));
  if (reused) return { reused };
  const { tables, scopeNote, scope } = await snapshotScope(ctx, target, pending);
  const estimate = await estimateSnapshot(ctx.driver, ctx.schemas, tables);
  const budget = target.budget ?? {};
  let refused: string | undefined;
  let seconds: number;
  try {
    seconds = checkSnapshotBudget(estimate, budget, snapshotWhat(ctx, scope, true));
  } catch (error) {
    if (!(error instanceof SnapshotBudgetError)) throw error;
    refused = error.message;
    seconds = estimate.bytes / (budget.bytesPerSecond ?? DEFAULT_EXPORT_BYTES_PER_SECOND);
  }
  const largest = [...estimate.tables].sort((a, b) => b.bytes - a.bytes).slice(0, 5).map((t) => ({ table: `${t.schema}.${t.table}`, bytes: t.bytes }));
  return {
    scope,
    ...(scopeNote ? { scopeNote } : {}),
    estimate: { bytes: estimate.bytes, rows: estimate.rows, tables: estimate.tables.length, seconds, largest },
    ...(refused ? { refused } : {}),
  };
}

/** The snapshot step before migrating: the snapshot taken, the one reused, or why none was taken. */
export interface SnapshotStep {
  /** The snapshot this step took; null when it took none (`reused` or `skipped` says why). */
  readonly snapshot: SnapshotSummary | null;
  /** The snapshot that already covers the migration this run resumes (`covering-snapshot.ts`): none was taken. */
  readonly reused?: ReusedSnapshot;
  readonly skipped?: string;
}

async function readHistoryView(ctx: ActionContext): Promise<HistoryView> {
  const rows = await readSchemaHistory(ctx.driver, { log: ctx.log });
  return { rows, status: computeStatus(ctx.bundle, rows) };
}

/**
 * The snapshot that covers the migration this run resumes, or null: when the first of `pending` started
 * and did not finish, the rule of `covering-snapshot.ts` (a complete snapshot at the same applied
 * versions with nothing migrated since, taken before it started or else while it was unfinished, holding
 * what this run's snapshot would). A lookup that fails (listing S3, the affected tables) is logged and
 * gives null: a new snapshot is taken, as without one.
 */
async function coveringSnapshot(ctx: ActionContext, target: SnapshotTarget, pending: readonly BundledMigration[], history: HistoryView): Promise<ReusedSnapshot | null> {
  try {
    const unfinished = resumedMigration(history.status, pending);
    if (!unfinished) return null;
    const affectedTables =
      target.scope === 'affected'
        ? async () => {
            const plan = await planSnapshotScope(ctx.driver, { scope: 'affected', pending, schemas: ctx.schemas });
            return plan.scope === 'affected' ? plan.tables : null;
          }
        : undefined;
    const found = await findCoveringSnapshot(
      { s3: target.s3, bucket: target.bucket, prefix: target.prefix, database: ctx.driver.database },
      { history, unfinished, schemas: ctx.schemas, log: ctx.log, ...(affectedTables ? { affectedTables } : {}) },
    );
    if (!found) ctx.log.info('no snapshot covers the resumed migration: taking one', { resumes: unfinished.version, state: unfinished.state });
    return found;
  } catch (error) {
    ctx.log.warn('could not look for the snapshot covering the resumed migration: taking one', { error: (error as Error)?.message ?? String(error) });
    return null;
  }
}

/**
 * The snapshot before the pending migrations run (call it from migrate's `beforeApply`, holding the
 * lock):
 * - none when no bucket is configured or the scope is `none` (said in `skipped`; no snapshot is looked
 *   for either);
 * - none when the run resumes an unfinished migration (the first of `pending` is in progress, or failed
 *   at a statement) that a complete snapshot already covers: that one is `reused`, with its reason (the
 *   rule: `covering-snapshot.ts`). A backfill spread over N invocations thus has one snapshot, not N,
 *   and its invocations spend their time on the backfill;
 * - otherwise {@link runSnapshot} with `pending`, so the scope and the budget apply.
 * @throws what `runSnapshot` throws: the migration must then not run
 */
export async function snapshotBeforeMigrate(ctx: ActionContext, pending: readonly BundledMigration[]): Promise<SnapshotStep> {
  const skipped = snapshotSkipped(ctx.snapshots);
  if (skipped !== undefined || !ctx.snapshots) {
    ctx.log.warn('no snapshot taken before migrating', { reason: skipped, pending: pending.length });
    return { snapshot: null, skipped: skipped ?? SNAPSHOTS_NOT_CONFIGURED };
  }
  // Read once, holding the lock: which migration this run resumes, and the versions the snapshot records.
  const history = await readHistoryView(ctx);
  const reused = await coveringSnapshot(ctx, ctx.snapshots, pending, history);
  if (reused) {
    ctx.log.info('snapshot before migrating reused: it covers the resumed migration', { snapshotId: reused.snapshotId, resumes: reused.resumes.version, taken: reused.taken });
    return { snapshot: null, reused };
  }
  ctx.log.info('taking snapshot before migrating', { pending: pending.map((m) => m.version), scope: ctx.snapshots.scope ?? 'full' });
  return { snapshot: await runSnapshot(ctx, ctx.snapshots, { pending, status: history.status }) };
}
