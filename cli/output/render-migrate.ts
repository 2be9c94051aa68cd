import type { MigrateActionReport } from '../../lambda/actions/migrate-action';
import type { MigrateInProgressReport } from '../../lambda/function/budgeted-migrate';
import type { Printer } from './printer';
import { renderReusedSnapshot, renderSnapshot } from './render-snapshot';
import { renderVerification } from './render-verification';
import { formatDuration } from './units';

/**
 * The migrate report (`runMigrate`: snapshot, migrate, verify) for people: the snapshot (taken, or the
 * one reused for a resumed migration, with why), drift found
 * before migrating, the versioned and repeatable migrations applied, where a run cut short by its
 * time budget stopped, and the verification.
 */
export function renderMigrate(report: MigrateActionReport, out: Printer, target?: string): void {
  renderHead(report, out, target);
  if (!report.snapshot && !report.snapshotReused) out.line(out.colour.dim(`No snapshot: ${report.snapshotSkipped ?? 'not taken'}.`));
  for (const drift of report.driftBeforeMigrate ?? []) out.line(out.colour.yellow(`! ${drift.message}`));
  renderApplied(report.migrate, out);
  out.line();
  renderVerification(report.verification, out);
}

/**
 * The function's answer to a console migrate that its time budget cut short (`inProgress: true`,
 * `lambda/function/budgeted-migrate.ts`): the snapshot, what was applied, where it stopped and what to
 * do next; no verification (the run has not reached it).
 */
export function renderMigrateInProgress(report: MigrateInProgressReport, out: Printer, target?: string): void {
  renderHead(report, out, target);
  if (!report.snapshot && !report.snapshotReused) out.line(out.colour.dim('No snapshot taken by this invocation.'));
  renderApplied(report.migrate, out);
  out.line();
  out.line(out.colour.yellow(report.message));
}

function renderHead(report: MigrateActionReport | MigrateInProgressReport, out: Printer, target: string | undefined): void {
  out.line(`${out.colour.bold('Database')} ${report.database}${target ? out.colour.dim(` (${target})`) : ''}`);
  if (report.snapshot) renderSnapshot(report.snapshot, out);
  else if (report.snapshotReused) renderReusedSnapshot(report.snapshotReused, out);
}

function renderApplied(migrate: MigrateActionReport['migrate'], out: Printer): void {
  const c = out.colour;
  out.line();
  const { applied, alreadyApplied, current, stopped } = migrate;
  const repeatables = migrate.repeatables ?? [];
  if (applied.length === 0 && repeatables.length === 0) {
    out.line(`Nothing to migrate (${alreadyApplied} already applied); current version ${current ?? 'none'}.`);
  } else {
    out.table(
      [{ header: 'APPLIED' }, { header: 'NAME' }, { header: 'STATEMENTS', align: 'right' }, { header: 'TIME', align: 'right' }],
      [
        ...applied.map((m) => [c.green(m.version), m.name, String(m.statements), formatDuration(m.executionMs)]),
        ...repeatables.map((m) => [c.green('R'), m.name, String(m.statements), formatDuration(m.executionMs)]),
      ],
    );
    const extra = repeatables.length > 0 ? ` and ${repeatables.length} repeatable migration(s)` : '';
    out.line(c.green(`Applied ${applied.length} migration(s)${extra}; current version ${current ?? 'none'}.`));
  }
  if (stopped) {
    const what = stopped.version ? `${stopped.version} (${stopped.name})` : stopped.name;
    out.line(c.yellow(`Stopped for the time budget ${stopped.inProgress ? 'during' : 'before'} ${what}: run migrate again to continue.`));
  }
}
