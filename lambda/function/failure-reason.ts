import { MigrationError } from '../engine/errors';
import type { VerificationReport } from '../verify/report';

/**
 * CloudFormation shows at most 4,096 bytes of a custom resource's failure reason (the Provider
 * framework passes our error message as the reason); keep well under it and say where the rest is.
 */
export const MAX_REASON_BYTES = 3_500;

function truncate(text: string, maxBytes: number): string {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return text;
  return `${bytes.subarray(0, maxBytes - 3).toString('utf8').replace(/\uFFFD$/, '')}...`;
}

/** Where to read more: the log group and the run id every log line carries. */
export function logsPointer(runId: string, functionName: string | undefined): string {
  const group = functionName ? `/aws/lambda/${functionName}` : 'the function log group';
  return `Logs: ${group}, runId ${runId}.`;
}

/** The first failing checks of a verification, one per line. */
export function failingChecks(report: VerificationReport, max = 5): string[] {
  return report.checks
    .filter((c) => !c.passed && c.severity === 'error')
    .slice(0, max)
    .map((c) => `${c.check}${c.object ? ` ${c.object}` : ''}: ${c.message}`);
}

/** A concise reason for a failed deploy: what failed, where, and where the logs are. */
export function failureReason(error: unknown, runId: string, functionName: string | undefined): string {
  const what =
    error instanceof MigrationError
      ? `Migration ${error.version} (${error.file}:${error.line}) failed${error.sqlState ? ` with SQLSTATE ${error.sqlState}` : ''}: ${error.databaseMessage}`
      : error instanceof Error
        ? error.message
        : String(error);
  const pointer = ` ${logsPointer(runId, functionName)}`;
  return truncate(what, MAX_REASON_BYTES - Buffer.byteLength(pointer)) + pointer;
}
