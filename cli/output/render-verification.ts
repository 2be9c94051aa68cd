import type { VerificationReport } from '../../lambda/verify/report';
import type { Printer } from './printer';
import { formatDuration } from './units';

/** A verification report for people: one line per check (✓ / ✗ / !), then the verdict. */
export function renderVerification(report: VerificationReport, out: Printer): void {
  const c = out.colour;
  for (const check of report.checks) {
    const mark = check.passed ? c.green('✓') : check.severity === 'error' ? c.red('✗') : c.yellow('!');
    const what = check.object ? `${check.check} ${check.object}` : check.check;
    out.line(`  ${mark} ${c.bold(what)}: ${check.message}`);
  }
  const failed = report.checks.filter((check) => !check.passed && check.severity === 'error').length;
  out.line(
    report.ok
      ? c.green(`Verification passed: ${report.checks.length} check(s) in ${formatDuration(report.durationMs)}.`)
      : c.red(c.bold(`Verification FAILED: ${failed} of ${report.checks.length} check(s) failed.`)),
  );
}
