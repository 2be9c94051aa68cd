/**
 * The console's answer when the time budget stopped a `migrate` (`actions/migrate-action.ts`,
 * `runMigrateStep`): what was done, where it stopped, and to invoke the function again.
 */
import type { ActionContext } from '../actions/action-context';
import type { MigrateReport } from '../engine/commands/migrate';
import type { MigrateStepResult, MigrateStop } from '../actions/migrate-action';
import type { ReusedSnapshot } from '../actions/covering-snapshot';
import type { SnapshotSummary } from '../actions/snapshot-action';

/** The console's report of a migrate the time budget stopped: what was done, and to invoke again. */
export interface MigrateInProgressReport {
  readonly action: 'migrate';
  readonly database: string;
  readonly ok: true;
  /** True: the run is not finished; invoke the function with the same event again. */
  readonly inProgress: true;
  /** One sentence for the operator. */
  readonly message: string;
  readonly stopped: MigrateStop;
  /** The snapshot this invocation took before migrating, if it took one. */
  readonly snapshot: SnapshotSummary | null;
  /** The snapshot this invocation reused instead: it covers the migration it resumed (`actions/covering-snapshot.ts`). */
  readonly snapshotReused?: ReusedSnapshot;
  readonly migrate: MigrateReport;
}

/** The sentence a stopped run ends with: where it stopped, and what to do. */
export function describeStop(stopped: MigrateStop): string {
  if (stopped.reason === 'finish-deferred') return 'Every migration is applied; the fingerprint and verification did not fit in this invocation';
  const what = stopped.version === '' ? `repeatable migration ${stopped.name}` : `${stopped.version} (${stopped.name})`;
  return stopped.inProgress ? `Stopped in ${what}, its progress recorded` : `Stopped before ${what}`;
}

/** Builds the console's in-progress report. */
export function inProgressReport(ctx: ActionContext, result: Extract<MigrateStepResult, { done: false }>, event: string): MigrateInProgressReport {
  return {
    action: 'migrate',
    database: ctx.driver.database,
    ok: true,
    inProgress: true,
    message: `${describeStop(result.stopped)}: the time budget of this invocation is used up. Invoke the function with ${event} again to continue.`,
    stopped: result.stopped,
    snapshot: result.snapshot?.snapshot ?? null,
    ...(result.snapshot?.reused ? { snapshotReused: result.snapshot.reused } : {}),
    migrate: result.migrate,
  };
}
