import type { VerificationReport } from '../verify/report';
import { failingChecks } from './failure-reason';

/** Verification after a migrate found failing checks: the deploy must fail. */
export class VerificationFailedError extends Error {
  override readonly name = 'VerificationFailedError';
  constructor(readonly report: VerificationReport) {
    const failing = failingChecks(report);
    super(`Verification failed (${failing.length} failing check${failing.length === 1 ? '' : 's'} shown): ${failing.join(' | ')}`);
  }
}
