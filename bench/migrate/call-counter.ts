/**
 * Counts the Data API calls an SDK client sends, by operation (a middleware at the client's
 * `initialize` step, so each command counts once however it ends).
 */
import type { RDSDataClient } from '@aws-sdk/client-rds-data';

export interface CallCounter {
  readonly byOperation: Record<string, number>;
  total(): number;
  reset(): void;
}

export function countCalls(client: RDSDataClient): CallCounter {
  const byOperation: Record<string, number> = {};
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const name = String(context.commandName ?? 'unknown').replace(/Command$/, '');
      byOperation[name] = (byOperation[name] ?? 0) + 1;
      return next(args);
    },
    { step: 'initialize', name: 'benchCallCounter' },
  );
  return {
    byOperation,
    total: () => Object.values(byOperation).reduce((a, b) => a + b, 0),
    reset: () => {
      for (const key of Object.keys(byOperation)) delete byOperation[key];
    },
  };
}
