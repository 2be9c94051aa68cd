/**
 * The snapshot that covers a resumed migration: which complete snapshot already guards a migration
 * that started and did not finish, so that the migrate resuming it takes no new one.
 *
 * ## The rule
 *
 * A run that resumes a migration (its schema history row reads `in-progress`, a data migration's
 * batches checkpointed, or `failed`, a non-transactional migration stopped at a statement) is the same
 * change as the run that started it. A careful operator wants one restore point for that change: the
 * state before it started. A complete snapshot (manifest present) of this database **covers** the
 * unfinished migration when:
 *
 * 1. its manifest's `appliedVersions` equal the schema history's applied versions (compared as
 *    versions: `0022` is `22`); a manifest without them (written before they were recorded) covers
 *    nothing;
 * 2. no schema history row other than the unfinished one was written after it (`applied_at` after the
 *    manifest's `createdAt`, both on the database clock): no migration, revert, baseline or repeatable
 *    ran between the snapshot and now, so its schema is the one the unfinished migration started from;
 * 3. it holds what the run's own snapshot would hold: a `full` manifest of every configured schema
 *    always does; an `affected` one only when the configured scope is `affected` and it has every table
 *    the affected scope of the migrations about to run resolves to now (a table the unfinished
 *    migration created since is not in it: a new snapshot is then taken).
 *
 * Among the covering snapshots, one taken **before** the unfinished migration started (`createdAt` not
 * after its row's `applied_at`) is preferred, the newest of them; without one (an S3 lifecycle rule or
 * someone deleted it, snapshots were off then, a scope `none` run started it, or the run that started it
 * applied other migrations first, so its snapshot records fewer versions), the newest one taken
 * **while** it was unfinished (by an earlier resume, or a manual snapshot) covers the rest of the run,
 * so that a lost snapshot costs one new snapshot, not one per invocation.
 *
 * The same rule keeps retention (`snapshot-action.ts`, `keep`) from deleting the snapshot a resumed run
 * relies on while that run is unfinished (`protectedForResume`).
 */
import type { BundledMigration } from '../migrations/bundle';
import { versionKey } from '../migrations/compare-versions';
import type { HistoryRow } from '../engine/history/read';
import { isApplied, type MigrationStatus, type Status } from '../engine/status/compute';
import type { Log } from '../observability/log';
import { listSnapshots, readManifest, snapshotIdTime, type SnapshotLocation, type SnapshotManifest, type TableName } from '../snapshot';
import { s3Url } from '../snapshot/snapshot-location';

/** When a covering snapshot was taken, relative to the unfinished migration's start. */
export type CoveringTime = 'before-start' | 'while-unfinished';

/** The snapshot a migrate reuses instead of taking one: which, why, and the migration it guards. */
export interface ReusedSnapshot {
  readonly snapshotId: string;
  /** `s3://bucket/key` of its manifest. */
  readonly manifest: string;
  /** When its transaction started (the database clock), ISO 8601 UTC. */
  readonly createdAt: string;
  /** Highest applied version when it was taken. */
  readonly schemaVersion: string | null;
  readonly scope: 'full' | 'affected';
  /** The unfinished migration the run resumes. */
  readonly resumes: {
    readonly version: string;
    readonly name: string;
    /** `in-progress` (a data migration) or `failed` (a non-transactional migration, at a statement). */
    readonly state: 'in-progress' | 'failed';
    /** Its schema history row's `applied_at`: when it started, ISO 8601 UTC. */
    readonly startedAt: string;
  };
  /** `before-start` (preferred) or `while-unfinished` (no snapshot from before its start remains). */
  readonly taken: CoveringTime;
  /** One sentence for the operator: why this snapshot covers the run. */
  readonly reason: string;
}

/** The history a covering snapshot is judged against: the rows and the status computed from them. */
export interface HistoryView {
  readonly rows: readonly HistoryRow[];
  readonly status: Status;
}

/**
 * The migration a migrate with `pending` (migrate's `beforeApply` argument) resumes: the first of them,
 * when its last schema history row shows it started and did not finish; otherwise null.
 */
export function resumedMigration(status: Status, pending: readonly BundledMigration[]): MigrationStatus | null {
  const first = pending[0];
  if (!first) return null;
  const s = status.migrations.find((m) => versionKey(m.version) === versionKey(first.version));
  return s?.row && (s.state === 'in-progress' || s.state === 'failed') ? s : null;
}

/** The unfinished migration of a history (the lowest one, when several are), or null. */
export function unfinishedMigration(status: Status): MigrationStatus | null {
  return status.migrations.find((m) => m.row && (m.state === 'in-progress' || m.state === 'failed')) ?? null;
}

/** The applied versions, oldest first, as a manifest records them (`appliedVersions`). */
export function appliedVersionsOf(status: Status): string[] {
  return status.migrations.filter(isApplied).map((m) => m.version);
}

/** A snapshot meeting conditions 1 and 2 of the rule (module doc), newest first. */
interface Candidate {
  readonly manifest: SnapshotManifest;
  readonly manifestUrl: string;
  readonly taken: CoveringTime;
}

/**
 * Snapshot ids carry the runner's clock, `createdAt` the database's: listings older than the last other
 * history row by more than this margin cannot meet condition 2 and are not read.
 */
const CLOCK_MARGIN_MS = 3_600_000;

function sameVersions(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const keys = new Set(a.map(versionKey));
  return b.every((v) => keys.has(versionKey(v)));
}

/**
 * The complete snapshots meeting conditions 1 and 2 for `unfinished`, newest first: lists the database's
 * snapshots and reads manifests, newest first, down to the last schema history row written before the
 * unfinished one (older snapshots cannot qualify). A manifest that cannot be read is skipped (logged).
 * @throws S3's error when the snapshots cannot be listed
 */
async function* candidates(location: SnapshotLocation, history: HistoryView, unfinished: MigrationStatus, log: Log): AsyncGenerator<Candidate> {
  const row = unfinished.row!;
  const startedAt = Date.parse(row.appliedAt);
  let lastOther = Number.NEGATIVE_INFINITY;
  for (const r of history.rows) if (r.installedRank !== row.installedRank) lastOther = Math.max(lastOther, Date.parse(r.appliedAt));
  const applied = appliedVersionsOf(history.status);
  for (const listing of await listSnapshots(location)) {
    if (snapshotIdTime(listing.snapshotId).getTime() < lastOther - CLOCK_MARGIN_MS) return;
    let manifest: SnapshotManifest;
    try {
      manifest = await readManifest({ ...location, snapshotId: listing.snapshotId });
    } catch (error) {
      log.warn('snapshot manifest unreadable: not considered to cover the resumed migration', {
        snapshotId: listing.snapshotId,
        error: (error as Error)?.message ?? String(error),
      });
      continue;
    }
    const createdAt = Date.parse(manifest.createdAt);
    if (createdAt < lastOther || !manifest.appliedVersions || !sameVersions(manifest.appliedVersions, applied)) continue;
    yield { manifest, manifestUrl: s3Url(location.bucket, listing.manifestKey), taken: createdAt <= startedAt ? 'before-start' : 'while-unfinished' };
  }
}

/** The newest `before-start` candidate accepted, else the newest `while-unfinished` one. */
async function choose(found: AsyncGenerator<Candidate>, accept: (manifest: SnapshotManifest) => Promise<boolean>): Promise<Candidate | null> {
  let fallback: Candidate | null = null;
  for await (const candidate of found) {
    if (!(await accept(candidate.manifest))) continue;
    if (candidate.taken === 'before-start') return candidate;
    fallback ??= candidate;
  }
  return fallback;
}

function isFull(manifest: SnapshotManifest, schemas: readonly string[]): boolean {
  return (manifest.scope ?? 'full') === 'full' && schemas.every((s) => manifest.schemas.includes(s));
}

export interface FindCoveringOptions {
  readonly history: HistoryView;
  /** The unfinished migration the run resumes (`resumedMigration`). */
  readonly unfinished: MigrationStatus;
  /** The configured schemas: a `full` manifest must have every one. */
  readonly schemas: readonly string[];
  /**
   * The tables an `affected` snapshot before this run would hold (`planSnapshotScope` on the migrations
   * about to run), or null when it would be `full`. Absent: only `full` manifests cover (scope `full`).
   * Called at most once, only when an `affected` manifest is a candidate.
   */
  readonly affectedTables?: () => Promise<readonly TableName[] | null>;
  readonly log: Log;
}

/**
 * The snapshot covering a resumed migration, by the rule of the module doc, or null when none does
 * (the caller then takes one).
 * @throws S3's error when the snapshots cannot be listed (the caller then takes a new one)
 */
export async function findCoveringSnapshot(location: SnapshotLocation, options: FindCoveringOptions): Promise<ReusedSnapshot | null> {
  const { unfinished, schemas } = options;
  let needed: Promise<Set<string> | null> | undefined;
  const accept = async (manifest: SnapshotManifest): Promise<boolean> => {
    if (isFull(manifest, schemas)) return true;
    if (manifest.scope !== 'affected' || !options.affectedTables) return false;
    needed ??= options.affectedTables().then((tables) => (tables ? new Set(tables.map((t) => JSON.stringify([t.schema, t.table]))) : null));
    const tables = await needed;
    if (!tables) return false;
    const held = new Set(manifest.tables.map((t) => JSON.stringify([t.schema, t.table])));
    return [...tables].every((t) => held.has(t));
  };
  const chosen = await choose(candidates(location, options.history, unfinished, options.log), accept);
  if (!chosen) return null;
  const { manifest } = chosen;
  const row = unfinished.row!;
  const what = `${unfinished.version} (${unfinished.name})`;
  const state = unfinished.state === 'in-progress' ? 'in-progress' : 'failed';
  const where = state === 'in-progress' ? 'still in progress' : `failed at statement ${row.statementsApplied + 1}`;
  const resumes = `resumes ${what}, started ${row.appliedAt} and ${where}`;
  const reason =
    chosen.taken === 'before-start'
      ? `${resumes}; snapshot ${manifest.snapshotId} was taken before it started (${manifest.createdAt}) at the same applied versions, and nothing else was migrated since: it is the state this run changes`
      : `${resumes}; no snapshot from before it started remains, and snapshot ${manifest.snapshotId} was taken while it was unfinished (${manifest.createdAt}) at the same applied versions, with nothing else migrated since`;
  return {
    snapshotId: manifest.snapshotId,
    manifest: chosen.manifestUrl,
    createdAt: manifest.createdAt,
    schemaVersion: manifest.schemaVersion,
    scope: manifest.scope ?? 'full',
    resumes: { version: unfinished.version, name: unfinished.name, state, startedAt: row.appliedAt },
    taken: chosen.taken,
    reason,
  };
}

/**
 * The snapshots retention must keep while a migration is unfinished: of each scope (`full`, and
 * `affected`), the one the rule would choose for a run resuming it (the affected tables are not known
 * here: any `affected` candidate of the same state counts). Empty when nothing is unfinished.
 * @throws S3's error when the snapshots cannot be listed
 */
export async function protectedForResume(location: SnapshotLocation, history: HistoryView, schemas: readonly string[], log: Log): Promise<string[]> {
  const unfinished = unfinishedMigration(history.status);
  if (!unfinished) return [];
  const all: Candidate[] = [];
  for await (const candidate of candidates(location, history, unfinished, log)) all.push(candidate);
  const replay = async function* (list: Candidate[]): AsyncGenerator<Candidate> {
    yield* list;
  };
  const full = await choose(replay(all), async (m) => isFull(m, schemas));
  const affected = await choose(replay(all), async (m) => m.scope === 'affected');
  return [...new Set([full, affected].filter((c): c is Candidate => c !== null).map((c) => c.manifest.snapshotId))];
}
