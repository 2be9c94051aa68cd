import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';

/** The child-process side of an invocation (plain JavaScript). */
const RUNTIME_SCRIPT = fileURLToPath(new URL('./lambda-runtime.mjs', import.meta.url));

/** A thrown error as the Lambda Node.js runtime reports it. */
export interface LambdaError {
  /** The error's `name` (e.g. `ConfigError`), or `Runtime.*` / `Sandbox.Timedout` for runtime faults. */
  readonly errorType: string;
  readonly errorMessage: string;
  /** The stack, one line per entry. */
  readonly trace: string[];
}

/** The outcome of one invocation: the handler's JSON result, or its error. */
export type InvokeResult<T = unknown> =
  | { readonly ok: true; readonly result: T; readonly logs: string; readonly durationMs: number }
  | { readonly ok: false; readonly error: LambdaError; readonly logs: string; readonly durationMs: number };

/** What one cold-start invocation runs. */
export interface InvocationSpec {
  /** Absolute path of the module holding the handler (`<assetDir>/index.js`). */
  readonly handlerFile: string;
  /** Name of the exported handler function, e.g. `handler`. */
  readonly handlerExport: string;
  /** The complete environment of the child process (nothing is inherited). */
  readonly environment: Record<string, string>;
  /** Kill the invocation after this long, in ms, and report `Sandbox.Timedout`. */
  readonly timeoutMs: number;
  /** `context.functionName`. */
  readonly functionName: string;
  /** `context.memoryLimitInMB` (MB). */
  readonly memorySize: number;
  /** Called with each chunk the handler writes to stdout or stderr (e.g. `process.stderr.write`). */
  readonly onLog?: (chunk: string) => void;
}

/**
 * Runs a Lambda handler once in a new Node process, as a cold start: the module is loaded fresh,
 * `process.env` is exactly `spec.environment`, and the handler gets a Lambda-like context whose
 * `getRemainingTimeInMillis()` counts down from `timeoutMs`. The process exits once the handler
 * settles (open sockets and timers do not keep it, as a frozen sandbox would not).
 *
 * @returns `{ ok: true, result }` with the handler's JSON result (`undefined` as `null`), or
 *          `{ ok: false, error }` with what it threw; `logs` is everything it wrote to stdout/stderr
 * @throws only when the child process cannot be started
 */
export function invokeHandler<T = unknown>(event: unknown, spec: InvocationSpec): Promise<InvokeResult<T>> {
  const started = Date.now();
  const child = spawn(process.execPath, [RUNTIME_SCRIPT], {
    env: spec.environment,
    cwd: spec.environment.LAMBDA_TASK_ROOT,
    stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
  });
  let logs = '';
  const onOutput = (chunk: Buffer): void => {
    const text = chunk.toString('utf8');
    logs += text;
    spec.onLog?.(text);
  };
  child.stdout.on('data', onOutput);
  child.stderr.on('data', onOutput);
  let resultText = '';
  const resultPipe = child.stdio[3] as NodeJS.ReadableStream;
  resultPipe.on('data', (chunk: Buffer) => (resultText += chunk.toString('utf8')));

  return new Promise<InvokeResult<T>>((resolve, reject) => {
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, spec.timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const durationMs = Date.now() - started;
      if (timedOut) {
        const error = { errorType: 'Sandbox.Timedout', errorMessage: `Task timed out after ${(spec.timeoutMs / 1000).toFixed(2)} seconds`, trace: [] };
        resolve({ ok: false, error, logs, durationMs });
        return;
      }
      if (resultText === '') {
        const how = signal ? `signal ${signal}` : `exit status ${code}`;
        const error = { errorType: 'Runtime.ExitError', errorMessage: `Runtime exited without a result: ${how}`, trace: [] };
        resolve({ ok: false, error, logs, durationMs });
        return;
      }
      const outcome = JSON.parse(resultText) as { ok: true; result: T } | { ok: false; error: LambdaError };
      resolve({ ...outcome, logs, durationMs });
    });

    const request = {
      handlerFile: spec.handlerFile,
      handlerExport: spec.handlerExport,
      event,
      context: {
        functionName: spec.functionName,
        functionVersion: '$LATEST',
        invokedFunctionArn: `arn:aws:lambda:${spec.environment.AWS_REGION ?? 'us-east-1'}:000000000000:function:${spec.functionName}`,
        memoryLimitInMB: String(spec.memorySize),
        awsRequestId: randomUUID(),
        logGroupName: `/aws/lambda/${spec.functionName}`,
        logStreamName: 'local',
        deadlineMs: started + spec.timeoutMs,
      },
    };
    child.stdin.on('error', () => undefined); // the child may exit before reading (reported on close)
    child.stdin.end(JSON.stringify(request));
  });
}
