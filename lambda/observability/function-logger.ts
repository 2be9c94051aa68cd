import { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import type { Log } from './log';

/**
 * The function's logger: Powertools for AWS Lambda Logger, structured JSON on stdout (CloudWatch Logs),
 * service `rds-migrate` (or POWERTOOLS_SERVICE_NAME), level from POWERTOOLS_LOG_LEVEL (@default INFO).
 * Created once per cold start; `startRun` stamps every following line with the run's correlation id.
 */
export const functionLogger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'rds-migrate' });

/**
 * Begins a run: clears the previous invocation's keys, adds the Lambda context (request id, function
 * name, cold start) when there is one, and sets `runId` as the correlation id on every line.
 */
export function startRun(runId: string, context?: Context): Log {
  functionLogger.resetKeys();
  if (context) functionLogger.addContext(context);
  functionLogger.setCorrelationId(runId);
  functionLogger.appendKeys({ runId });
  return asLog(functionLogger);
}

type LogAttributes = Parameters<Logger['appendKeys']>[0];

/** Adapts a Powertools Logger to the library's `Log` seam. */
export function asLog(logger: Logger): Log {
  const at = (level: 'debug' | 'info' | 'warn' | 'error') => (message: string, extra?: Record<string, unknown>) =>
    extra === undefined ? logger[level](message) : logger[level](message, extra as LogAttributes);
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
