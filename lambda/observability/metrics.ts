/**
 * The function's metrics: CloudWatch embedded metric format (EMF) through Powertools for AWS Lambda
 * Metrics. One EMF document per run, printed to stdout at the end of the run (CloudWatch Logs turns it
 * into metrics; no PutMetricData call, no extra permission).
 *
 * - Namespace {@link METRICS_NAMESPACE} (`RdsMigrate`).
 * - Dimensions, on every metric: `service` (POWERTOOLS_SERVICE_NAME, default `rds-migrate`) and
 *   `database` (the migrated database's name).
 * - Metrics ({@link MetricName}), each published only when the run measured it:
 *   `VerificationFailures` (Count: failing error checks; 0 on a clean run, so a missing datapoint means
 *   no verification ran), `DriftObjects`, `PendingMigrations`, `InvalidIndexes` (Count),
 *   `SnapshotAgeHours` (None: hours since the newest complete snapshot started), `MigrationDurationMs`
 *   (Milliseconds: the migrate step, snapshot included).
 *
 * Run-scoped like the logger (`function-logger.ts`): the handler calls {@link startRunMetrics} once it
 * knows the database, the actions add what they measured with {@link recordRunMetrics}, and the handler
 * calls {@link publishRunMetrics} at the end, also after a failure. Outside a run (the CLI, tests of
 * the actions) recording does nothing, so nothing is printed to a terminal.
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { VerificationReport } from '../verify/report';

/** The CloudWatch namespace of every rds-migrate metric. */
export const METRICS_NAMESPACE = 'RdsMigrate';

/** The service dimension when POWERTOOLS_SERVICE_NAME is not set. */
export const DEFAULT_SERVICE_NAME = 'rds-migrate';

/** Metric names, as the construct's alarms refer to them. */
export const MetricName = {
  VerificationFailures: 'VerificationFailures',
  DriftObjects: 'DriftObjects',
  PendingMigrations: 'PendingMigrations',
  InvalidIndexes: 'InvalidIndexes',
  SnapshotAgeHours: 'SnapshotAgeHours',
  MigrationDurationMs: 'MigrationDurationMs',
} as const;

/** What one run measured; absent values are not published. */
export interface RunMetricValues {
  /** Failing checks of severity error. */
  readonly verificationFailures?: number;
  readonly driftObjects?: number;
  readonly pendingMigrations?: number;
  readonly invalidIndexes?: number;
  /** Hours (fractional) since the newest complete snapshot was started. */
  readonly snapshotAgeHours?: number;
  /** Wall time of the migrate step, ms. */
  readonly migrationDurationMs?: number;
}

type Unit = (typeof MetricUnit)[keyof typeof MetricUnit];

const UNITS: Record<keyof RunMetricValues, { name: string; unit: Unit }> = {
  verificationFailures: { name: MetricName.VerificationFailures, unit: MetricUnit.Count },
  driftObjects: { name: MetricName.DriftObjects, unit: MetricUnit.Count },
  pendingMigrations: { name: MetricName.PendingMigrations, unit: MetricUnit.Count },
  invalidIndexes: { name: MetricName.InvalidIndexes, unit: MetricUnit.Count },
  snapshotAgeHours: { name: MetricName.SnapshotAgeHours, unit: MetricUnit.NoUnit },
  migrationDurationMs: { name: MetricName.MigrationDurationMs, unit: MetricUnit.Milliseconds },
};

/** The metrics a verification report yields. */
export function verificationMetricValues(report: VerificationReport): RunMetricValues {
  return {
    verificationFailures: report.counts.failures,
    driftObjects: report.counts.driftObjects,
    pendingMigrations: report.counts.pendingMigrations,
    invalidIndexes: report.counts.invalidIndexes,
  };
}

/** The metrics of one run, kept until published. */
export class RunMetrics {
  private values: RunMetricValues = {};

  /**
   * @param database the `database` dimension
   * @param service the `service` dimension. @default POWERTOOLS_SERVICE_NAME or `rds-migrate`
   */
  constructor(
    readonly database: string,
    readonly service: string = process.env.POWERTOOLS_SERVICE_NAME || DEFAULT_SERVICE_NAME,
  ) {}

  /** Adds measured values; a value recorded twice keeps the later one. */
  record(values: RunMetricValues): void {
    this.values = { ...this.values, ...values };
  }

  /** What was recorded so far. */
  get recorded(): RunMetricValues {
    return { ...this.values };
  }

  /**
   * Prints the recorded values as one EMF document on stdout (nothing when none was recorded) and
   * forgets them. POWERTOOLS_METRICS_DISABLED=true (or POWERTOOLS_DEV) turns printing off.
   */
  publish(): void {
    const entries = (Object.keys(UNITS) as Array<keyof RunMetricValues>).filter((k) => this.values[k] !== undefined);
    if (entries.length === 0) return;
    const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: this.service, defaultDimensions: { database: this.database } });
    for (const key of entries) metrics.addMetric(UNITS[key].name, UNITS[key].unit, this.values[key]!);
    metrics.publishStoredMetrics();
    this.values = {};
  }
}

let current: RunMetrics | undefined;

/** Begins the metrics of a run (the handler, once it knows the database); drops an unpublished previous one. */
export function startRunMetrics(database: string): RunMetrics {
  current = new RunMetrics(database);
  return current;
}

/** Records values into the current run's metrics; does nothing outside a run (CLI). */
export function recordRunMetrics(values: RunMetricValues): void {
  current?.record(values);
}

/** Publishes the current run's metrics (see {@link RunMetrics.publish}) and ends the run. Never throws. */
export function publishRunMetrics(): void {
  const run = current;
  current = undefined;
  try {
    run?.publish();
  } catch {
    // Metrics must never fail a run; Powertools only throws for invalid names or too many dimensions.
  }
}
