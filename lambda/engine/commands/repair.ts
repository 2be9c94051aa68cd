import type { Driver } from '../../driver/driver';
import type { MigrationBundle } from '../../migrations/bundle';
import { silentLog } from '../../observability/log';
import { readSchemaHistory } from '../history/read';
import { acceptChecksum, deleteFailed } from '../history/writes';
import { withLease } from '../lock/with-lease';
import type { WriteOptions } from '../options';
import type { PlannedStatement } from '../plan/types';
import { executeStep } from '../run/execute-plan';
import { timeoutSettings } from '../run/timeouts';
import { computeStatus } from '../status/compute';
import { deleteProgress } from '../data/progress';

export interface RepairReport {
  /** Changed up files whose new checksum was accepted. */
  readonly acceptedChecksums: Array<{ version: string; file: string; previous: string; accepted: string }>;
  /** Unfinished rows removed (failed non-transactional or data migrations in progress), with how many statements their migration had run. */
  readonly removedFailed: Array<{ version: string; statementsApplied: number }>;
}

/**
 * Repair: makes the schema history agree with the bundle again, holding the lock lease, in one
 * transaction:
 * - a changed applied migration gets the bundle's checksum; the old one is kept in previous_checksum,
 *   with who accepted it (repaired_by = appliedBy) and when (repaired_at);
 * - unfinished rows (failed, or a data migration in progress) are deleted: the next migrate runs that
 *   migration again from its first statement, so first check (and clean up) what its partial run
 *   left in the database.
 * Missing versions are left alone. Runs no migration script.
 * @throws {LockHeldError} when another runner holds the lock
 */
export async function repair(driver: Driver, bundle: MigrationBundle, options: WriteOptions): Promise<RepairReport> {
  const log = options.log ?? silentLog;
  return withLease(driver, options, async (lease, tables) => {
    const status = computeStatus(bundle, await readSchemaHistory(driver, options));
    const statements: PlannedStatement[] = [];
    const report: RepairReport = { acceptedChecksums: [], removedFailed: [] };
    for (const s of status.changed) {
      statements.push(acceptChecksum(tables, s.row!.installedRank, s.foundChecksum!, options.appliedBy));
      report.acceptedChecksums.push({ version: s.version, file: s.file!, previous: s.expectedChecksum!, accepted: s.foundChecksum! });
    }
    for (const s of [...status.failed, ...status.inProgress]) {
      statements.push(deleteFailed(tables, s.row!.installedRank));
      // A data migration starts over: its batch checkpoints go with its row.
      if (s.state === 'in-progress') statements.push(deleteProgress(tables, s.row!.version));
      report.removedFailed.push({ version: s.version, statementsApplied: s.row!.statementsApplied });
    }
    if (statements.length > 0) {
      await executeStep(driver, { transaction: true, statements: [timeoutSettings(), ...statements] }, {
        lease,
        log,
        tables,
        ...(options.transientRetry ? { transientRetry: options.transientRetry } : {}),
        tookEffect: async () => {
          const again = computeStatus(bundle, await readSchemaHistory(driver, options));
          return again.changed.length === 0 && again.failed.length === 0 && again.inProgress.length === 0;
        },
      });
    }
    log.info('repaired', { acceptedChecksums: report.acceptedChecksums.length, removedFailed: report.removedFailed.length });
    return report;
  });
}
