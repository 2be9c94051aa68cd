import { Stack, Validations } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { IConstruct } from 'constructs';

/**
 * What `DatabaseMigrations` acknowledges of the cdk-nag AwsSolutions pack, each a deliberate
 * choice recorded with its reason (construct metadata `aws:cdk:acknowledged-rules`, visible to an
 * audit). Wildcard findings are acknowledged one by one, by the exact resource cdk-nag names, so
 * any other wildcard added later is still reported.
 */
export interface DeliberateFindings {
  /** The migrations function. */
  readonly function: IConstruct;
  /** The same code as the Provider framework's isComplete handler. */
  readonly isCompleteFunction: IConstruct;
  /** Its execution role (and so its default policy). */
  readonly role: IConstruct;
  /** The object ARN pattern granted on the snapshot bucket: `<bucket ARN>/<prefix>*`. */
  readonly snapshotObjectsArn: string;
  /** The Provider framework construct. */
  readonly provider: IConstruct;
  /** The ARNs of both functions, which the Provider framework may invoke in every version (`:*`). */
  readonly functionArns: readonly string[];
  /** The snapshot bucket, when the construct created it. */
  readonly createdBucket?: IConstruct;
  /** The alarm topic, when the construct created it. */
  readonly createdTopic?: IConstruct;
}

/** The AWS managed policy the CDK Provider framework attaches to its function's role. */
const BASIC_EXECUTION_POLICY = 'arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole';

/**
 * Flattens a resolved CloudFormation value the way cdk-nag names it in a finding id
 * (`Fn::GetAtt` → `<Id.Attr>`, `Ref` → `<Id>`, `Fn::Join` concatenated, `${x}` → `<x>`).
 */
export function nagResourceName(value: unknown): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return value.replace(/\$\{/g, '<').replace(/\}/g, '>');
  const node = value as Record<string, unknown>;
  if (node['Fn::Join']) {
    const [delimiter, items] = node['Fn::Join'] as [string, unknown[]];
    return items.map(nagResourceName).join(delimiter);
  }
  if (node['Fn::Sub']) return nagResourceName(node['Fn::Sub']);
  if (node['Fn::GetAtt']) {
    const [resource, attribute] = node['Fn::GetAtt'] as [unknown, unknown];
    return `<${nagResourceName(resource)}.${nagResourceName(attribute)}>`;
  }
  if (node['Fn::ImportValue']) return nagResourceName(node['Fn::ImportValue']);
  if (node.Ref) return `<${nagResourceName(node.Ref)}>`;
  return JSON.stringify(value);
}

/** The ARNs of the Provider framework's isComplete and onTimeout functions, which its waiter state machine invokes. */
function frameworkFunctionArns(provider: IConstruct): string[] {
  return ['framework-isComplete', 'framework-onTimeout']
    .map((id) => provider.node.tryFindChild(id))
    .filter((child): child is lambda.Function => child instanceof lambda.Function)
    .map((fn) => fn.functionArn);
}

/** Records the acknowledgments (`Validations.of(scope).acknowledge`) with their reasons. */
export function acknowledgeDeliberateFindings(findings: DeliberateFindings): void {
  const stack = Stack.of(findings.function);
  const wildcard = (arn: string): string => `Resource::${nagResourceName(stack.resolve(arn))}`;

  for (const fn of [findings.function, findings.isCompleteFunction]) {
    Validations.of(fn).acknowledge({
      id: 'AwsSolutions::AwsSolutions-L1',
      reason: 'The runtime is pinned to nodejs22.x: the Node.js version the bundle is built for and tested on.',
    });
  }
  Validations.of(findings.role).acknowledge({
    id: `AwsSolutions::AwsSolutions-IAM5[${wildcard(findings.snapshotObjectsArn)}]`,
    reason: 'Snapshot objects are written and read under the snapshot prefix only; listing is conditioned on s3:prefix.',
  });
  Validations.of(findings.provider).acknowledge(
    {
      id: `AwsSolutions::AwsSolutions-IAM4[Policy::${BASIC_EXECUTION_POLICY}]`,
      reason: 'The CDK Provider framework function uses AWSLambdaBasicExecutionRole (CDK-managed, not configurable).',
    },
    ...findings.functionArns.map((arn) => ({
      id: `AwsSolutions::AwsSolutions-IAM5[${wildcard(`${arn}:*`)}]`,
      reason: 'The CDK Provider framework may invoke every version of the migrations functions (onEvent, isComplete), and nothing else.',
    })),
    ...frameworkFunctionArns(findings.provider).map((arn) => ({
      id: `AwsSolutions::AwsSolutions-IAM5[${wildcard(`${arn}:*`)}]`,
      reason: "The Provider framework's waiter state machine may invoke every version of the framework's own isComplete and onTimeout functions, and nothing else.",
    })),
    {
      id: 'AwsSolutions::AwsSolutions-SF1',
      reason:
        "The Provider framework's waiter state machine only calls isComplete until the deployment is done; every call is " +
        'logged by the framework function and the migrations function, and executions show in the Step Functions console.',
    },
    {
      id: 'AwsSolutions::AwsSolutions-SF2',
      reason: "The Provider framework's waiter state machine offers no X-Ray tracing setting; it makes one Lambda call per poll.",
    },
  );
  if (findings.createdTopic) {
    Validations.of(findings.createdTopic).acknowledge({
      id: 'AwsSolutions::AwsSolutions-SNS2',
      reason:
        'CloudWatch alarms cannot publish to a topic encrypted with the AWS managed SNS key, and the notifications carry ' +
        'only alarm names and states; publishing requires TLS (enforceSSL). Pass your own alarmTopic to encrypt with a key of yours.',
    });
  }
  if (findings.createdBucket) {
    Validations.of(findings.createdBucket).acknowledge({
      id: 'AwsSolutions::AwsSolutions-S1',
      reason:
        'Server access logs would need a second retained bucket; audit snapshot access with CloudTrail S3 data ' +
        'events, or pass your own snapshotBucket with access logging.',
    });
  }
}
