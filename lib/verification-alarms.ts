import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { METRICS_NAMESPACE, MetricName } from '../lambda/observability/metrics';
import { SERVICE_NAME } from './function-environment';

/** What the verification alarms watch and whom they tell. */
export interface VerificationAlarmsProps {
  /** The migrated database's name: the metrics' `database` dimension. */
  readonly databaseName: string;
  /** The missed-run alarm's period, in seconds (it goes off after two periods without a verification); none: no such alarm. */
  readonly missedRunPeriodSeconds?: number;
  /** Notified on ALARM and OK. */
  readonly topic?: sns.ITopic;
  /** Subscribed to `topic`, or to a new topic when there is none. */
  readonly email?: string;
}

/**
 * CloudWatch alarms on the metrics the function publishes in EMF (`lambda/observability/metrics.ts`:
 * namespace `RdsMigrate`, dimensions `service` = `rds-migrate` and `database`):
 *
 * - `failuresAlarm`: a verification (scheduled, manual or after a deploy) found failing error checks:
 *   `VerificationFailures` Maximum >= 1 in a 5-minute period. Missing data is not breaching (no
 *   verification ran in that period).
 * - `missedRunAlarm` (with a schedule): no verification ran for two periods: `VerificationFailures`
 *   SampleCount < 1 over two periods of `missedRunPeriodSeconds`, missing data breaching (every run
 *   publishes a datapoint, 0 when clean, so a missing one means none ran: the schedule is disabled, the
 *   function fails before verifying, or it cannot reach the database).
 *
 * With `email` and no `topic`, a topic is created (TLS-only publishing) with the email subscribed.
 */
export class VerificationAlarms extends Construct {
  readonly failuresAlarm: cloudwatch.Alarm;
  readonly missedRunAlarm?: cloudwatch.Alarm;
  /** The topic notified, given or created. */
  readonly topic?: sns.ITopic;

  constructor(scope: Construct, id: string, props: VerificationAlarmsProps) {
    super(scope, id);
    const metric = (statistic: string, period: Duration) =>
      new cloudwatch.Metric({
        namespace: METRICS_NAMESPACE,
        metricName: MetricName.VerificationFailures,
        dimensionsMap: { service: SERVICE_NAME, database: props.databaseName },
        statistic,
        period,
      });
    this.failuresAlarm = new cloudwatch.Alarm(this, 'Failures', {
      alarmDescription: `rds-migrate: verification of database ${props.databaseName} found failing checks (see the function's logs)`,
      metric: metric('Maximum', Duration.minutes(5)),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    if (props.missedRunPeriodSeconds !== undefined) {
      this.missedRunAlarm = new cloudwatch.Alarm(this, 'MissedRun', {
        alarmDescription: `rds-migrate: no verification of database ${props.databaseName} ran for two schedule periods`,
        metric: metric('SampleCount', Duration.seconds(props.missedRunPeriodSeconds)),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        evaluationPeriods: 2,
        treatMissingData: cloudwatch.TreatMissingData.BREACHING,
      });
    }
    this.topic = props.topic ?? (props.email ? new sns.Topic(this, 'Topic', { displayName: 'rds-migrate verification alarms', enforceSSL: true }) : undefined);
    if (props.email && this.topic) this.topic.addSubscription(new subscriptions.EmailSubscription(props.email));
    if (this.topic) {
      const action = new cloudwatchActions.SnsAction(this.topic);
      for (const alarm of [this.failuresAlarm, this.missedRunAlarm]) {
        alarm?.addAlarmAction(action);
        alarm?.addOkAction(action);
      }
    }
  }
}
