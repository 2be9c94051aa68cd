import type { Driver } from '../../driver/driver';
import type { MigrationBundle } from '../../migrations/bundle';
import { compareVersions } from '../../migrations/compare-versions';
import { silentLog } from '../../observability/log';
import { HistoryValidationError } from '../errors';
import { readSchemaHistory } from '../history/read';
import { insertFinished } from '../history/writes';
import { withLease } from '../lock/with-lease';
import { checkVersion, type WriteOptions } from '../options';
import { executeStep } from '../run/execute-plan';
import { timeoutSettings } from '../run/timeouts';

export interface BaselineReport {
  /** Versions marked applied, ascending. */
  readonly baselined: string[];
  /** The baseline version, now the current one. */
  readonly current: string;
}

/**
 * Baseline: marks every bundled version up to and including `version` as applied (schema history rows
 * of type `baseline`, execution_ms 0) without running them, for a database that already has those
 * changes (applied by hand, or by another tool). All rows are written in one transaction, holding the
 * lock lease. Later migrate runs apply only the versions above. Baselined versions' checksums are not
 * compared afterwards (they never ran).
 *
 * @throws {Error} when `version` is not a version, or not a migration of the bundle
 * @throws {HistoryValidationError} (kind `not-empty`) when the schema history already has rows:
 *   baselining is for a database that never ran migrate
 * @throws {LockHeldError} when another runner holds the lock
 */
export async function baseline(driver: Driver, bundle: MigrationBundle, version: string, options: WriteOptions): Promise<BaselineReport> {
  const log = options.log ?? silentLog;
  checkVersion(version, 'baseline version');
  const upTo = bundle.migrations.filter((m) => compareVersions(m.version, version) <= 0);
  if (!bundle.migrations.some((m) => compareVersions(m.version, version) === 0)) {
    throw new Error(`baseline version ${version} is not a migration of the bundle`);
  }
  return withLease(driver, options, async (lease, tables) => {
    const history = await readSchemaHistory(driver, options);
    if (history.length > 0) {
      const last = history[history.length - 1]!;
      throw new HistoryValidationError('baseline', [
        {
          kind: 'not-empty',
          version: last.version,
          message: `the schema history already has ${history.length} row(s) (last: ${last.version} ${last.name}, ${last.type}); baseline only applies to a database that never ran migrate`,
        },
      ]);
    }
    const rows = upTo.map((m) =>
      insertFinished(
        tables,
        { version: m.version, name: m.name, type: 'baseline', checksum: m.checksum, appliedBy: options.appliedBy, statements: 0 },
        { executionMs: 0 },
      ),
    );
    await executeStep(driver, { transaction: true, statements: [timeoutSettings(), ...rows] }, {
      lease,
      log,
      tables,
      ...(options.transientRetry ? { transientRetry: options.transientRetry } : {}),
      // A lost commit: the rows are there, or the history is still empty.
      tookEffect: async () => (await readSchemaHistory(driver, options)).length > 0,
    });
    log.info('baselined', { version, migrations: upTo.length });
    return { baselined: upTo.map((m) => m.version), current: upTo[upTo.length - 1]!.version };
  });
}
