// The child side of `invoke` (local/lambda/invoke.ts): one cold-start invocation of a bundled
// Lambda handler, then exit. Plain JavaScript: it runs in a bare `node`, without a TypeScript loader.
//
// stdin:  {"handlerFile", "handlerExport", "event", "context": {functionName, functionVersion,
//          invokedFunctionArn, memoryLimitInMB, awsRequestId, logGroupName, logStreamName, deadlineMs}}
// fd 3:   {"ok": true, "result": ...} | {"ok": false, "error": {"errorType", "errorMessage", "trace"}}
//         (the error shape of the Lambda Node.js runtime's invoke response)
import { writeSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const RESULT_FD = 3;
let reported = false;

function toLambdaError(error, fallbackType) {
  if (error instanceof Error) {
    return {
      errorType: error.name || fallbackType,
      errorMessage: error.message,
      trace: typeof error.stack === 'string' ? error.stack.split('\n') : [],
    };
  }
  return { errorType: fallbackType, errorMessage: String(error), trace: [] };
}

function report(payload) {
  if (reported) return;
  reported = true;
  let text;
  try {
    text = JSON.stringify(payload, (_key, value) => (typeof value === 'bigint' ? value.toString() : value));
  } catch (error) {
    text = JSON.stringify({ ok: false, error: toLambdaError(error, 'Runtime.MarshalError') });
  }
  writeSync(RESULT_FD, text);
  // Let stdout/stderr drain, then end like a frozen sandbox: pending timers and sockets do not count.
  process.stdout.write('', () => process.stderr.write('', () => process.exit(0)));
}

process.on('uncaughtException', (error) => report({ ok: false, error: toLambdaError(error, 'Runtime.UncaughtException') }));
process.on('unhandledRejection', (reason) =>
  report({ ok: false, error: { ...toLambdaError(reason, 'Runtime.UnhandledPromiseRejection'), errorType: 'Runtime.UnhandledPromiseRejection' } }),
);

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

async function main() {
  const request = await readStdin();
  let handler;
  try {
    const mod = await import(pathToFileURL(request.handlerFile).href);
    handler = mod[request.handlerExport] ?? mod.default?.[request.handlerExport];
  } catch (error) {
    report({ ok: false, error: toLambdaError(error, 'Runtime.ImportModuleError') });
    return;
  }
  if (typeof handler !== 'function') {
    report({
      ok: false,
      error: {
        errorType: 'Runtime.HandlerNotFound',
        errorMessage: `${request.handlerFile} does not export a function "${request.handlerExport}"`,
        trace: [],
      },
    });
    return;
  }
  const { deadlineMs, ...contextFields } = request.context;
  const context = {
    ...contextFields,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadlineMs - Date.now()),
    done: (error, result) => settle(error, result),
    succeed: (result) => settle(null, result),
    fail: (error) => settle(error),
  };
  function settle(error, result) {
    if (error !== null && error !== undefined) report({ ok: false, error: toLambdaError(error, 'Error') });
    else report({ ok: true, result: result === undefined ? null : result });
  }
  try {
    const returned = handler(request.event, context, settle);
    if (returned && typeof returned.then === 'function') {
      returned.then((result) => settle(null, result), (error) => settle(error ?? new Error('rejected')));
    }
  } catch (error) {
    settle(error);
  }
}

main().catch((error) => report({ ok: false, error: toLambdaError(error, 'Runtime.Error') }));
