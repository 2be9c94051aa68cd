/**
 * Plays CloudFormation and the CDK Provider framework (asynchronous form) against the migration
 * resource's two functions, as `aws-cdk-lib/custom-resources/lib/provider-framework/runtime/framework.js`
 * does:
 *
 * 1. onEvent: the request (its `ResponseURL` hidden) goes to the onEvent function. A thrown error
 *    answers FAILED with the reason `<errorMessage>\n\nLogs: /aws/lambda/<function>\n` followed by the
 *    error's trace after its first line (the framework's `includeStackTraces`).
 * 2. The waiter: the request merged with the onEvent answer (`PhysicalResourceId` defaulting to the
 *    RequestId for a Create) goes to the isComplete function at once, then again after each
 *    `IsComplete: false`, up to `maxPolls`; `Data` with `IsComplete: false` is an error; past the polls:
 *    FAILED "Operation timed out". `IsComplete: true` answers SUCCESS with both answers' `Data` merged.
 */
import { randomUUID } from 'node:crypto';
import type { InvokeResult } from '../../../local/lambda';

/** Invokes one function with an event, as `SynthesizedFunction.invoke` does. */
export type Invoker = (event: unknown) => Promise<InvokeResult>;

/** The two functions behind the Provider framework. */
export interface ProviderFunctions {
  readonly onEvent: Invoker;
  readonly isComplete: Invoker;
  /** The onEvent function's name, for the framework's `Logs:` line. */
  readonly onEventName: string;
  readonly isCompleteName: string;
}

/** A request CloudFormation sends (without the parts the player fills in). */
export interface CloudFormationRequest {
  readonly RequestType: 'Create' | 'Update' | 'Delete';
  readonly ResourceProperties: Record<string, unknown>;
  readonly OldResourceProperties?: Record<string, unknown>;
  readonly PhysicalResourceId?: string;
}

/** What reached CloudFormation, and how it got there. */
export interface CloudFormationResponse {
  readonly Status: 'SUCCESS' | 'FAILED';
  readonly PhysicalResourceId: string;
  readonly Data: Record<string, unknown>;
  /** FAILED only: the reason CloudFormation shows. */
  readonly Reason?: string;
  /** The onEvent function's answer (when it answered). */
  readonly onEventResult?: Record<string, unknown>;
  /** isComplete invocations made. */
  readonly polls: number;
  /** The outcome of every invocation, in order (onEvent first), for assertions on the logs. */
  readonly invocations: InvokeResult[];
}

const CREATE_FAILED_MARKER = 'AWSCDK::CustomResourceProviderFramework::CREATE_FAILED';

function frameworkReason(outcome: Extract<InvokeResult, { ok: false }>, functionName: string): string {
  const message = [outcome.error.errorMessage, '', `Logs: /aws/lambda/${functionName}`, ''].join('\n');
  return [message, ...outcome.error.trace.slice(1)].join('\n');
}

/**
 * Sends one request through the framework to the functions.
 * @param maxPolls the waiter's attempts (totalTimeout / queryInterval)
 */
export async function sendRequest(
  functions: ProviderFunctions,
  request: CloudFormationRequest,
  options: { readonly stackId?: string; readonly logicalResourceId?: string; readonly maxPolls?: number } = {},
): Promise<CloudFormationResponse> {
  const cfnRequest = {
    ...request,
    RequestId: randomUUID(),
    StackId: options.stackId ?? 'arn:aws:cloudformation:us-east-1:123456789012:stack/RdsMigrateExampleStack/1',
    LogicalResourceId: options.logicalResourceId ?? 'MigrationsMigration',
    ResourceType: 'Custom::RdsMigrate',
    ResponseURL: '...',
  };
  const invocations: InvokeResult[] = [];
  const onEvent = await functions.onEvent(cfnRequest);
  invocations.push(onEvent);
  if (!onEvent.ok) {
    const physicalId = request.PhysicalResourceId ?? (request.RequestType === 'Create' ? CREATE_FAILED_MARKER : '');
    return { Status: 'FAILED', PhysicalResourceId: physicalId, Data: {}, Reason: frameworkReason(onEvent, functions.onEventName), polls: 0, invocations };
  }
  const answer = (onEvent.result ?? {}) as Record<string, unknown>;
  const physicalId = (answer.PhysicalResourceId as string | undefined) || (request.RequestType === 'Create' ? cfnRequest.RequestId : request.PhysicalResourceId!);
  if (request.RequestType === 'Delete' && physicalId !== request.PhysicalResourceId) {
    throw new Error(`DELETE: cannot change the physical resource ID from "${request.PhysicalResourceId}" to "${physicalId}" during deletion`);
  }
  const event = { ...cfnRequest, ...answer, PhysicalResourceId: physicalId };
  const maxPolls = options.maxPolls ?? 20;
  for (let poll = 1; poll <= maxPolls; poll++) {
    const outcome = await functions.isComplete(event);
    invocations.push(outcome);
    if (!outcome.ok) {
      return { Status: 'FAILED', PhysicalResourceId: physicalId, Data: {}, Reason: frameworkReason(outcome, functions.isCompleteName), onEventResult: answer, polls: poll, invocations };
    }
    const result = (outcome.result ?? {}) as { IsComplete?: boolean; Data?: Record<string, unknown> };
    if (!result.IsComplete) {
      if (result.Data && Object.keys(result.Data).length > 0) throw new Error('"Data" is not allowed if "IsComplete" is "False"');
      continue;
    }
    const data = { ...((answer.Data as Record<string, unknown> | undefined) ?? {}), ...(result.Data ?? {}) };
    return { Status: 'SUCCESS', PhysicalResourceId: physicalId, Data: data, onEventResult: answer, polls: poll, invocations };
  }
  return { Status: 'FAILED', PhysicalResourceId: physicalId, Data: {}, Reason: 'Operation timed out', onEventResult: answer, polls: maxPolls, invocations };
}
