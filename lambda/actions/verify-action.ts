import { recordRunMetrics, verificationMetricValues, type RunMetricValues } from '../observability/metrics';
import type { VerificationReport } from '../verify/report';
import { runVerification, type VerificationOptions } from '../verify/run-verification';
import { newestSnapshotAgeHours } from '../verify/snapshot-age';
import type { ActionContext } from './action-context';

export interface VerifyActionReport {
  readonly action: 'verify';
  readonly database: string;
  readonly verification: VerificationReport;
}

/** How strict the verification is; the defaults suit most databases (see `VerificationOptions`). */
export type VerifySettings = Pick<
  VerificationOptions,
  'requireVerify' | 'sequenceMaxShare' | 'unusedIndexMinTableScans' | 'severity' | 'statementTimeoutMs'
>;

/**
 * The SnapshotAgeHours metric: the newest snapshot's age, or nothing when snapshots are off, none is
 * complete yet, or the bucket cannot be listed (logged as a warning: a metric never fails a run).
 */
export async function snapshotAgeMetric(ctx: ActionContext): Promise<RunMetricValues> {
  if (!ctx.snapshots) return {};
  try {
    const hours = await newestSnapshotAgeHours({ ...ctx.snapshots, database: ctx.driver.database });
    return hours === undefined ? {} : { snapshotAgeHours: Math.round(hours * 100) / 100 };
  } catch (error) {
    ctx.log.warn('could not list snapshots for the SnapshotAgeHours metric', { error: (error as Error)?.message ?? String(error) });
    return {};
  }
}

/**
 * Runs every verification check (verify scripts read-only and rolled back, schema history, drift
 * against the recorded fingerprint, the catalog checks) over the context's schemas, and records the
 * run's metrics (the verification's counts, SnapshotAgeHours).
 */
export async function runVerify(ctx: ActionContext, options: { targetVersion?: string; verify?: VerifySettings } = {}): Promise<VerifyActionReport> {
  const verification = await runVerification(ctx.driver, ctx.bundle, {
    ...options.verify,
    log: ctx.log,
    schemas: ctx.schemas,
    ...(options.targetVersion ? { targetVersion: options.targetVersion } : {}),
  });
  recordRunMetrics({ ...verificationMetricValues(verification), ...(await snapshotAgeMetric(ctx)) });
  return { action: 'verify', database: ctx.driver.database, verification };
}
