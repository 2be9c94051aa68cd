import type { StatusActionReport } from '../../lambda/actions/status-action';
import type { Colour } from './colour';
import type { Printer } from './printer';

/** The state of a version, coloured: applied green, pending (and a repeatable's outdated) yellow, failed/changed/missing red. */
export function stateText(state: string, colour: Colour): string {
  if (state === 'applied') return colour.green(state);
  if (state === 'pending' || state === 'outdated') return colour.yellow(state);
  return colour.red(state);
}

/** The status report (`runStatus`) for people: one row per version, one per repeatable migration, then what is pending. */
export function renderStatus(report: StatusActionReport, out: Printer, target?: string): void {
  const c = out.colour;
  out.line(`${c.bold('Database')} ${report.database}${target ? c.dim(` (${target})`) : ''}`);
  out.line(`${c.bold('Current version')} ${report.current ?? c.dim('none')}`);
  out.line();
  if (report.migrations.length === 0) {
    out.line(c.dim('No migrations yet: create one with `rds-migrate new <name>`.'));
    return;
  }
  out.table(
    [{ header: 'VERSION' }, { header: 'NAME' }, { header: 'STATE' }, { header: 'APPLIED AT' }],
    report.migrations.map((m) => [m.version, m.name, stateText(m.state, c), m.appliedAt ?? '']),
  );
  out.line();
  const problems = report.migrations.filter((m) => m.state === 'failed' || m.state === 'changed' || m.state === 'missing');
  if (problems.length > 0) {
    out.line(c.red(`${problems.length} version(s) need attention (${problems.map((m) => `${m.version} ${m.state}`).join(', ')}): see \`rds-migrate repair --help\``));
  }
  const repeatables = report.repeatables ?? [];
  if (repeatables.length > 0) {
    out.table(
      [{ header: 'REPEATABLE' }, { header: 'STATE' }, { header: 'APPLIED AT' }],
      repeatables.map((r) => [r.name, stateText(r.state, c), r.appliedAt ?? '']),
    );
    out.line();
  }
  const again = repeatables.filter((r) => r.state === 'pending' || r.state === 'outdated');
  const againText = again.length > 0 ? `; repeatable to apply: ${again.map((r) => r.name).join(', ')}` : '';
  out.line(
    report.pending.length > 0
      ? c.yellow(`${report.pending.length} pending: ${report.pending.join(', ')}${againText}`)
      : again.length > 0
        ? c.yellow(`No version pending${againText}`)
        : c.green('Up to date: nothing pending.'),
  );
}
