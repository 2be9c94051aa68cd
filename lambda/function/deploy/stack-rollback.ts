/**
 * Stack rollback: recognising it, and the `onRollback` policy.
 *
 * When a deployment fails, CloudFormation rolls the stack back: it puts the function's old code (with
 * its old `migrations.json`) back, then sends the migration resource an Update with the OLD properties.
 * The database may be ahead of that old bundle: the failed deployment applied some of its new
 * migrations before one failed. Migrating with the old bundle would refuse ("applied but not in the
 * bundle") and leave the stack in UPDATE_ROLLBACK_FAILED, so the rollback Update is recognised first,
 * with no extra permission (no CloudFormation API call): it is an Update whose bundle lacks applied
 * versions, all of them above the bundle's last version. (An applied version missing BELOW the last
 * one is a broken bundle, not a rollback: migrate refuses it with its own message.)
 *
 * The policy (`OnRollback` property, see `events/custom-resource-event.ts`):
 * - `retain` (default): leave the schema as it is and succeed, reporting the versions kept. This is
 *   the documented practice: migrations are written forward-compatible (expand, then contract in a
 *   later release), so the old code runs on the newer schema; the next deployment continues from it.
 * - `down`: revert those versions with their down scripts, highest first, after a snapshot. The old
 *   bundle does not have them, so they come from `rds_migrate.down_scripts`, where every deployment
 *   stores its down scripts before migrating (`down-script-store.ts`). Only when every version is
 *   reversible (stored with the checksum the schema history recorded, and finished: a migration that
 *   failed part way has no clean down); otherwise nothing is reverted and the rollback fails, naming
 *   each version and why.
 */
import type { Driver } from '../../driver/driver';
import { rollback, type RollbackReport } from '../../engine/commands/rollback';
import type { TimeBudget } from '../../engine/run/time-budget';
import type { MigrationStatus, Status } from '../../engine/status/compute';
import { compareVersions } from '../../migrations/compare-versions';
import type { BundledMigration, MigrationBundle } from '../../migrations/bundle';
import type { Log } from '../../observability/log';
import { contextRunOptions, type ActionContext } from '../../actions/action-context';
import { RollbackRefusedError, type IrreversibleVersion } from './deploy-errors';
import { loadStoredDownScript } from './down-script-store';

/** The last version of a bundle, or null when it has none. */
export function lastBundledVersion(bundle: MigrationBundle): string | null {
  const versions = bundle.migrations.map((m) => m.version).sort(compareVersions);
  return versions[versions.length - 1] ?? null;
}

/**
 * The versions the schema history has beyond the bundle (applied, or started and unfinished), highest
 * first, when this is what a stack rollback looks like: every version not in the bundle is above its
 * last version. Pure: reads the status only.
 * @returns the versions ahead of the bundle, or [] when none are, or when one is below the bundle's
 *   last version (not a rollback)
 */
export function versionsAheadOfBundle(status: Status, bundle: MigrationBundle): MigrationStatus[] {
  const last = lastBundledVersion(bundle);
  const notBundled = status.migrations.filter((s) => s.migration === undefined && s.state !== 'pending');
  if (notBundled.some((s) => last !== null && compareVersions(s.version, last) <= 0)) return [];
  return [...notBundled].sort((a, b) => compareVersions(b.version, a.version));
}

/** The attributes of a stack rollback the function left the schema alone for. */
export function retainedData(status: Status, ahead: readonly MigrationStatus[]): Record<string, string> {
  return {
    CurrentVersion: status.current ?? '',
    Rollback: 'retain',
    RetainedVersions: ahead.map((s) => s.version).join(','),
  };
}

/**
 * Reads the stored down script of each version ahead of the bundle and checks that every one can be
 * reverted (see the module doc).
 * @returns the stored migrations, highest version first
 * @throws {RollbackRefusedError} naming every version that cannot be reverted, before anything runs
 */
export async function reversibleMigrations(driver: Driver, bundle: MigrationBundle, ahead: readonly MigrationStatus[], log: Log): Promise<BundledMigration[]> {
  const refused: IrreversibleVersion[] = [];
  const migrations: BundledMigration[] = [];
  for (const s of ahead) {
    if (s.state !== 'missing') {
      refused.push({
        version: s.version,
        name: s.name,
        reason: `is unfinished (its schema history row says it ${s.state === 'in-progress' ? 'is a data migration in progress' : 'failed part way'}), so no down script can revert it cleanly`,
      });
      continue;
    }
    const stored = await loadStoredDownScript(driver, s.version, log);
    if (!stored) {
      refused.push({
        version: s.version,
        name: s.name,
        reason: 'has no stored down script: it is irreversible (no down script, or a data migration), or it was applied before this rds-migrate stored down scripts',
      });
    } else if (stored.migration.checksum !== s.row?.checksum) {
      refused.push({
        version: s.version,
        name: s.name,
        reason: `has a stored down script for another edition of the migration (stored for checksum ${stored.migration.checksum}, applied with ${s.row?.checksum ?? 'none'})`,
      });
    } else {
      migrations.push(stored.migration);
    }
  }
  if (refused.length > 0) throw new RollbackRefusedError(refused, lastBundledVersion(bundle));
  return migrations;
}

export interface RevertOptions {
  readonly timeBudget?: TimeBudget;
  /** Runs once, holding the lock, before the first down script (the snapshot); its error stops the rollback. */
  readonly beforeRevert?: (toRevert: BundledMigration[]) => Promise<void>;
}

/**
 * The `down` policy: reverts every version ahead of the bundle with its stored down script, through
 * the engine's rollback (lock lease, each down script in a transaction with its `undo` schema history
 * row, or statement by statement), down to the bundle's last version (`0`: everything, for an empty
 * bundle). The engine checks everything again before it runs anything.
 * @returns the engine's report; `stopped` when the time budget ran out (the next invocation continues)
 * @throws {RollbackRefusedError} as {@link reversibleMigrations}; whatever the engine's rollback throws
 */
export async function revertAheadOfBundle(ctx: ActionContext, ahead: readonly MigrationStatus[], options: RevertOptions = {}): Promise<RollbackReport> {
  const stored = await reversibleMigrations(ctx.driver, ctx.bundle, ahead, ctx.log);
  const merged: MigrationBundle = {
    ...ctx.bundle,
    migrations: [...ctx.bundle.migrations, ...stored].sort((a, b) => compareVersions(a.version, b.version)),
  };
  const target = lastBundledVersion(ctx.bundle) ?? '0';
  ctx.log.warn('stack rollback: reverting the versions the old bundle does not have (onRollback down)', {
    versions: stored.map((m) => m.version),
    to: target,
  });
  return rollback(ctx.driver, merged, {
    targetVersion: target,
    ...contextRunOptions(ctx, options.timeBudget),
    ...(options.beforeRevert ? { beforeApply: options.beforeRevert } : {}),
  });
}
