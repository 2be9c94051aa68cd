import type { VerificationReport } from '../verify/report';
import { runVerification } from '../verify/run-verification';
import type { ActionContext } from './action-context';

export interface VerifyActionReport {
  readonly action: 'verify';
  readonly database: string;
  readonly verification: VerificationReport;
}

/** Runs every verification check (verify scripts read-only and rolled back, built-in checks). */
export async function runVerify(ctx: ActionContext, options: { targetVersion?: string } = {}): Promise<VerifyActionReport> {
  const verification = await runVerification(ctx.driver, ctx.bundle, { log: ctx.log, ...options });
  return { action: 'verify', database: ctx.driver.database, verification };
}
