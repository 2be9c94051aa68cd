/**
 * The construct's `baselineVersion` (the resource's `BaselineVersion`): a first `cdk deploy` on a
 * database whose schema already exists (the FaktuLove guide: "0021 is already applied") adopts it
 * before migrating, as the console's `{"action":"baseline"}` does.
 *
 * The rule, checked by every Create and Update that carries the property:
 * - the schema history is empty: baseline at that version (`runBaseline`: the verify scripts of the
 *   versions up to it must pass first, then they are recorded as applied without running, and the
 *   schema fingerprint is recorded), then the deployment migrates the versions above it;
 * - the history has rows and the version is applied there (migrated, baselined by an earlier
 *   deployment or by hand, or changed since): nothing to do, the deployment migrates as usual;
 * - the history has rows and the version is not applied (pending, failed, or out of order below the
 *   history's current version): the history disagrees with the property, and the deployment fails
 *   before anything runs with {@link BaselineDisagreesError}, naming both.
 */
import type { ActionContext } from '../../actions/action-context';
import { runBaseline, type BaselineActionReport } from '../../actions/baseline-action';
import { isApplied, type Status } from '../../engine/status/compute';
import { versionKey } from '../../migrations/compare-versions';

/**
 * The schema history already has rows and does not have `baselineVersion` applied: a first-deployment
 * baseline would contradict it, so nothing was recorded or run.
 */
export class BaselineDisagreesError extends Error {
  override readonly name = 'BaselineDisagreesError';
  constructor(
    /** The resource's `BaselineVersion` (the construct's `baselineVersion`). */
    readonly baselineVersion: string,
    /** The history's current version (highest applied), null when none is applied. */
    readonly historyVersion: string | null,
    /** The state of `baselineVersion` in the history, e.g. `pending` or `failed`. */
    readonly state: string,
  ) {
    super(
      `baselineVersion ${baselineVersion} disagrees with the schema history: it has rows ` +
        `(current version ${historyVersion ?? 'none'}) and ${baselineVersion} is ${state} there, not applied. ` +
        'A baseline is only recorded on an empty schema history, and nothing was run. ' +
        'Remove baselineVersion (or set it to a version the history has applied), or fix the schema history.',
    );
  }
}

/**
 * Applies the rule above before a deployment migrates.
 * @param baselineVersion the resource's `BaselineVersion`; undefined: nothing to do
 * @param status the schema history read at the start of this invocation
 * @returns the baseline report when this call baselined, else null
 * @throws {BaselineDisagreesError} when the history has rows without `baselineVersion` applied
 * @throws {Error} naming the version when it is not a migration of the bundle
 * @throws {BaselineRefusedError} when a verify script of a version to baseline fails (nothing recorded)
 * @throws {HistoryValidationError} (kind `not-empty`) when another runner wrote the history meanwhile
 * @throws {LockHeldError} when another runner holds the lock (the next poll tries again)
 */
export async function baselineFirstDeployment(ctx: ActionContext, baselineVersion: string | undefined, status: Status): Promise<BaselineActionReport | null> {
  if (baselineVersion === undefined) return null;
  const hasHistory = status.migrations.some((s) => s.row !== undefined) || status.repeatables.some((r) => r.row !== undefined);
  if (!hasHistory) {
    ctx.log.info('first deployment on an existing schema: baselining (baselineVersion)', { version: baselineVersion });
    const report = await runBaseline(ctx, { version: baselineVersion });
    ctx.log.info('baselined by the deployment', { current: report.current, baselined: report.baselined, verified: report.ok });
    return report;
  }
  const entry = status.migrations.find((s) => versionKey(s.version) === versionKey(baselineVersion));
  if (entry && isApplied(entry)) return null;
  throw new BaselineDisagreesError(baselineVersion, status.current, entry ? (entry.outOfOrder ? 'pending (out of order)' : entry.state) : 'not in the bundle');
}
