import { DatabaseError } from '../driver/errors';
import { HistoryValidationError, MigrationError } from '../engine/errors';
import { InvalidEventError } from '../events/parse-event';
import type { VerificationReport } from '../verify/report';

/**
 * CloudFormation shows at most 4,096 bytes of a custom resource's failure reason (the Provider
 * framework passes our error message as the reason, and appends its own `Logs:` line); keep well under
 * it and say where the rest is.
 */
export const MAX_REASON_BYTES = 3_500;

function truncate(text: string, maxBytes: number): string {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return text;
  return `${bytes.subarray(0, maxBytes - 3).toString('utf8').replace(/\uFFFD$/, '')}...`;
}

/**
 * Where to read more: the function's log group and the run id every log line carries. The log group
 * is `AWS_LAMBDA_LOG_GROUP_NAME` (Lambda sets it to the configured group, which the construct names
 * itself), else `/aws/lambda/<function name>`.
 */
export function logsPointer(runId: string, env: NodeJS.ProcessEnv): string {
  const functionName = env.AWS_LAMBDA_FUNCTION_NAME;
  const group = env.AWS_LAMBDA_LOG_GROUP_NAME || (functionName ? `/aws/lambda/${functionName}` : 'the function log group');
  return `Logs: ${group}, runId ${runId}.`;
}

/** The first failing checks of a verification, one per line. */
export function failingChecks(report: VerificationReport, max = 5): string[] {
  return report.checks
    .filter((c) => !c.passed && c.severity === 'error')
    .slice(0, max)
    .map((c) => `${c.check}${c.object ? ` ${c.object}` : ''}: ${c.message}`);
}

/** One line: CloudFormation shows the reason on one line, and the framework would duplicate extra lines. */
function oneLine(text: string): string {
  return text.replace(/\s*\n-\s*/g, ' - ').replace(/\s*\n\s*/g, ' ');
}

/**
 * A concise reason for a failed deploy, on one line: what failed, where (migration, file, line,
 * SQLSTATE; the first failing checks of a verification; the SQLSTATE of any other database error),
 * and where the logs are.
 * @param env the function's environment (`AWS_LAMBDA_LOG_GROUP_NAME`, `AWS_LAMBDA_FUNCTION_NAME`)
 */
export function failureReason(error: unknown, runId: string, env: NodeJS.ProcessEnv): string {
  const what =
    error instanceof MigrationError
      ? `Migration ${error.version} (${error.file}:${error.line}) failed${error.sqlState ? ` with SQLSTATE ${error.sqlState}` : ''}: ${error.databaseMessage}`
      : error instanceof HistoryValidationError
        ? error.message
        : error instanceof DatabaseError && error.sqlState
          ? `${error.message} (SQLSTATE ${error.sqlState})`
          : error instanceof Error
          ? error.message
          : String(error);
  const pointer = ` ${logsPointer(runId, env)}`;
  return truncate(oneLine(what), MAX_REASON_BYTES - Buffer.byteLength(pointer)) + pointer;
}

/**
 * A CloudFormation request failed. Its message is the whole reason; its stack is that one line, so
 * that the Provider framework (which builds the reason from the message and the stack's other lines)
 * shows no stack trace to CloudFormation. The original error is its `cause` (logged in full).
 */
export class DeployFailedError extends Error {
  override readonly name = 'DeployFailedError';
  constructor(reason: string, cause: unknown) {
    super(reason, { cause });
    this.stack = `${this.name}: ${reason}`;
  }
}

/**
 * The error to throw for a failed CloudFormation request: a {@link DeployFailedError} carrying the
 * reason (`failureReason`), except for a refused event, which stays an `InvalidEventError` (callers
 * tell a refusal by its class) with the reason as its message and a one-line stack.
 */
export function deployFailure(error: unknown, runId: string, env: NodeJS.ProcessEnv): Error {
  const reason = failureReason(error, runId, env);
  if (!(error instanceof InvalidEventError)) return new DeployFailedError(reason, error);
  error.message = reason;
  error.stack = `${error.name}: ${reason}`;
  return error;
}
