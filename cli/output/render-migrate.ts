import type { MigrateActionReport } from '../../lambda/actions/migrate-action';
import type { Printer } from './printer';
import { renderSnapshot } from './render-snapshot';
import { renderVerification } from './render-verification';
import { formatDuration } from './units';

/** The migrate report (`runMigrate`: snapshot, migrate, verify) for people. */
export function renderMigrate(report: MigrateActionReport, out: Printer, target?: string): void {
  const c = out.colour;
  out.line(`${c.bold('Database')} ${report.database}${target ? c.dim(` (${target})`) : ''}`);
  if (report.snapshot) renderSnapshot(report.snapshot, out);
  else out.line(c.dim(`No snapshot: ${report.snapshotSkipped ?? 'not taken'}.`));
  out.line();
  const { applied, alreadyApplied, current } = report.migrate;
  if (applied.length === 0) {
    out.line(`Nothing to migrate (${alreadyApplied} already applied); current version ${current ?? 'none'}.`);
  } else {
    out.table(
      [{ header: 'APPLIED' }, { header: 'NAME' }, { header: 'STATEMENTS', align: 'right' }, { header: 'TIME', align: 'right' }],
      applied.map((m) => [c.green(m.version), m.name, String(m.statements), formatDuration(m.executionMs)]),
    );
    out.line(c.green(`Applied ${applied.length} migration(s); current version ${current ?? 'none'}.`));
  }
  out.line();
  renderVerification(report.verification, out);
}
