import { Duration } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as cr from 'aws-cdk-lib/custom-resources';
import type { Construct } from 'constructs';

/** How often the Provider framework asks the isComplete handler whether the deployment is done. */
export const QUERY_INTERVAL = Duration.seconds(10);

/** What the Provider framework waits for beyond the deployment's own limit: its last poll's answer. */
const TOTAL_TIMEOUT_MARGIN = Duration.minutes(5);

/** What CloudFormation waits for beyond the deployment's own limit: the framework's answer. */
const SERVICE_TIMEOUT_MARGIN = Duration.minutes(10);

/** The Provider framework for the migration resource, with the timeouts derived from the deploy limit. */
export interface MigrationProvider {
  readonly provider: cr.Provider;
  /**
   * The custom resource's `ServiceTimeout`: the deploy limit plus 10 minutes, at most an hour
   * (CloudFormation's limit). CloudFormation fails the resource after it even if no answer came.
   */
  readonly serviceTimeout: Duration;
}

/**
 * The CDK Provider framework in its asynchronous form: `onEvent` starts a deployment, the waiter
 * state machine calls `isComplete` at once and then every {@link QUERY_INTERVAL} until it answers
 * `IsComplete: true` or throws (the framework answers CloudFormation with the error message), for at
 * most `deployTimeout` + 5 minutes (`totalTimeout`; the function's own deploy limit fails the
 * deployment first, with a reason).
 *
 * @param deployTimeout the deployment's limit (validated: 1 to 50 whole minutes)
 */
export function createMigrationProvider(
  scope: Construct,
  id: string,
  handlers: { onEvent: lambda.IFunction; isComplete: lambda.IFunction; logRetention: logs.RetentionDays },
  deployTimeout: Duration,
): MigrationProvider {
  const provider = new cr.Provider(scope, id, {
    onEventHandler: handlers.onEvent,
    isCompleteHandler: handlers.isComplete,
    queryInterval: QUERY_INTERVAL,
    totalTimeout: deployTimeout.plus(TOTAL_TIMEOUT_MARGIN),
    logGroup: new logs.LogGroup(scope, `${id}LogGroup`, { retention: handlers.logRetention }),
    // No execution logging for the waiter: enabling it grants the framework's role log delivery
    // actions on "*" (CloudWatch Logs delivery has no resource-level permissions). Every poll is logged
    // by the framework's isComplete function and by ours; executions show in the Step Functions console.
    disableWaiterStateMachineLogging: true,
  });
  return { provider, serviceTimeout: deployTimeout.plus(SERVICE_TIMEOUT_MARGIN) };
}
