import type { SnapshotSummary } from '../../lambda/actions/snapshot-action';
import type { RollbackReport } from '../../lambda/engine/commands/rollback';
import type { VerificationReport } from '../../lambda/verify/report';
import type { Printer } from './printer';
import { renderSnapshot } from './render-snapshot';
import { renderVerification } from './render-verification';
import { formatDuration } from './units';

/** What a rollback report holds, from `rds-migrate rollback` or from the function's rollback action (`invoke rollback`). */
export interface RollbackReportView {
  readonly snapshot: SnapshotSummary | null;
  readonly snapshotSkipped?: string;
  readonly rollback: RollbackReport;
  /** The function's rollback: where it stopped when its time budget ran out (invoke again). */
  readonly message?: string;
  /** The function's rollback: verification at the target version. */
  readonly verification?: VerificationReport;
}

/** A rollback for people: the snapshot first, then a table of the reverted versions and the current version. */
export function renderRollback(report: RollbackReportView, out: Printer): void {
  const c = out.colour;
  const result = report.rollback;
  if (report.snapshot) renderSnapshot(report.snapshot, out);
  else if (report.snapshotSkipped) out.line(c.dim(`No snapshot: ${report.snapshotSkipped}.`));
  if (result.reverted.length === 0) {
    out.line(`Nothing to revert: current version ${result.current ?? 'none'}.`);
  } else {
    out.table(
      [{ header: 'REVERTED' }, { header: 'NAME' }, { header: 'STATEMENTS', align: 'right' }, { header: 'TIME', align: 'right' }],
      result.reverted.map((m) => [c.yellow(m.version), m.name, String(m.statements), formatDuration(m.executionMs)]),
    );
    out.line(c.green(`Reverted ${result.reverted.length} migration(s); current version ${result.current ?? 'none'}.`));
  }
  if (report.message) out.line(c.yellow(report.message));
  if (report.verification) renderVerification(report.verification, out);
}
