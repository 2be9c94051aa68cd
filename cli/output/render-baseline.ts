import type { BaselineActionReport } from '../../lambda/actions/baseline-action';
import type { Printer } from './printer';
import { renderVerification } from './render-verification';

/** A baseline for people: the verify scripts that proved it, the versions recorded, then the verification. */
export function renderBaseline(report: BaselineActionReport, out: Printer): void {
  const c = out.colour;
  if (report.proven.length > 0) out.line(`Proven by ${report.proven.length} verify script(s) before anything was recorded.`);
  out.line(c.green(`Baselined ${report.baselined.length} version(s): ${report.baselined.join(', ')}.`));
  out.line(`Current version ${report.current}; migrate applies the versions above it.`);
  renderVerification(report.verification, out);
}
