import type { Session } from '../session';
import { awsClientConfig } from './local-endpoint';

/** What the deployed function answered. */
export type InvocationOutcome =
  | { readonly ok: true; readonly result: unknown; readonly logs?: string }
  | { readonly ok: false; readonly error: { errorType: string; errorMessage: string; trace?: string[] }; readonly logs?: string };

/** The deployed function threw; `name` is its `errorType` (e.g. `LockHeldError`), so exit codes map alike. */
export class FunctionInvocationError extends Error {
  constructor(
    readonly errorType: string,
    message: string,
    readonly functionName: string,
    readonly trace?: string[],
  ) {
    super(`the function ${functionName} failed: ${errorType}: ${message}`);
    this.name = errorType;
  }
}

export interface InvokeOptions {
  readonly functionName: string;
  readonly event: Record<string, unknown>;
  readonly region?: string;
  /** Lambda endpoint (absent: AWS's); a loopback one gets local defaults (`local-endpoint.ts`). */
  readonly endpoint?: string;
  /** Ask for the tail of the function's log (the last 4 KB, Lambda `LogType: Tail`). */
  readonly tail?: boolean;
}

function parsePayload(payload: Uint8Array | undefined): unknown {
  const text = payload ? Buffer.from(payload).toString('utf8') : '';
  if (text === '') return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * Invokes the deployed function synchronously (Lambda Invoke, `RequestResponse`) with `event`, once:
 * the client re-sends nothing (`maxAttempts: 1`), since a re-sent migrate would run twice.
 * @returns the function's JSON result, or the error it threw (`FunctionError` set) with its type
 * @throws the SDK's error when the invocation itself fails (no such function, no permission, network)
 */
export async function invokeFunction(options: InvokeOptions, session: Session): Promise<InvocationOutcome> {
  const { LambdaClient, InvokeCommand } = await import('@aws-sdk/client-lambda');
  const client = new LambdaClient({ ...awsClientConfig(options, session.io.env), maxAttempts: 1 });
  session.onCleanup(async () => client.destroy());
  const response = await client.send(
    new InvokeCommand({
      FunctionName: options.functionName,
      InvocationType: 'RequestResponse',
      Payload: Buffer.from(JSON.stringify(options.event)),
      ...(options.tail ? { LogType: 'Tail' as const } : {}),
    }),
  );
  const logs = response.LogResult ? Buffer.from(response.LogResult, 'base64').toString('utf8') : undefined;
  const payload = parsePayload(response.Payload);
  if (response.FunctionError) {
    const error = (payload ?? {}) as { errorType?: string; errorMessage?: string; trace?: string[] };
    return {
      ok: false,
      error: {
        errorType: error.errorType ?? response.FunctionError,
        errorMessage: error.errorMessage ?? (typeof payload === 'string' ? payload : 'no error message'),
        ...(Array.isArray(error.trace) ? { trace: error.trace } : {}),
      },
      ...(logs !== undefined ? { logs } : {}),
    };
  }
  return { ok: true, result: payload, ...(logs !== undefined ? { logs } : {}) };
}
