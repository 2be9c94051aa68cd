/**
 * Runs the local Data API from the command line (`tsx local/data-api/main.ts`; the CLI exposes it as
 * `rds-migrate data-api-local`):
 *
 *     --postgres-url <url>   PostgreSQL server and default database
 *                            (default: $RDS_MIGRATE_POSTGRES_URL, else $DATABASE_URL, else an
 *                            embedded PostgreSQL started for the session and removed on exit)
 *     --port <n>             TCP port (default: $RDS_MIGRATE_DATA_API_PORT, else 8080; 0 = any free port)
 *     --host <address>       interface (default 127.0.0.1)
 *     --statement-wait-ms <n>, --transaction-idle-timeout-ms <n>   shorter limits for experiments
 *
 * It prints the endpoint and the ARNs to use, and the environment that points the AWS SDK (and
 * `DataApiDriver`) at it, then runs until SIGINT/SIGTERM.
 */
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { startPostgres, type PostgresServer } from '../postgres/embedded-postgres';
import { startLocalDataApi, type LocalDataApi } from './server';

export interface DataApiLocalArgs {
  readonly postgresUrl?: string;
  readonly port: number;
  readonly host: string;
  readonly statementWaitMs?: number;
  readonly transactionIdleTimeoutMs?: number;
}

function nonNegativeInteger(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${flag} must be a non-negative integer, got ${JSON.stringify(value)}`);
  return n;
}

/**
 * Reads the command line (without `node` and the script) and the environment.
 * @throws {Error} naming the flag at fault (unknown flag, bad number)
 */
export function parseDataApiLocalArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): DataApiLocalArgs {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      'postgres-url': { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string' },
      'statement-wait-ms': { type: 'string' },
      'transaction-idle-timeout-ms': { type: 'string' },
    },
    strict: true,
  });
  const postgresUrl = values['postgres-url'] ?? env.RDS_MIGRATE_POSTGRES_URL ?? env.DATABASE_URL;
  const statementWaitMs = nonNegativeInteger(values['statement-wait-ms'], '--statement-wait-ms');
  const transactionIdleTimeoutMs = nonNegativeInteger(values['transaction-idle-timeout-ms'], '--transaction-idle-timeout-ms');
  return {
    ...(postgresUrl ? { postgresUrl } : {}),
    port: nonNegativeInteger(values.port ?? env.RDS_MIGRATE_DATA_API_PORT, '--port') ?? 8080,
    host: values.host ?? '127.0.0.1',
    ...(statementWaitMs === undefined ? {} : { statementWaitMs }),
    ...(transactionIdleTimeoutMs === undefined ? {} : { transactionIdleTimeoutMs }),
  };
}

export interface RunningDataApiLocal {
  readonly api: LocalDataApi;
  /** Closes the server, then stops the embedded PostgreSQL if one was started. */
  stop(): Promise<void>;
}

/** Starts the server (and an embedded PostgreSQL when no URL is given) and prints how to use it. */
export async function runDataApiLocal(args: DataApiLocalArgs, print: (line: string) => void = console.log): Promise<RunningDataApiLocal> {
  let postgres: PostgresServer | undefined;
  let postgresUrl = args.postgresUrl;
  if (!postgresUrl) {
    postgres = await startPostgres();
    postgresUrl = postgres.adminUrl;
  }
  const api = await startLocalDataApi({
    postgresUrl,
    port: args.port,
    host: args.host,
    ...(args.statementWaitMs === undefined ? {} : { statementWaitMs: args.statementWaitMs }),
    ...(args.transactionIdleTimeoutMs === undefined ? {} : { transactionIdleTimeoutMs: args.transactionIdleTimeoutMs }),
  });
  print(`Local Data API listening on ${api.endpoint}`);
  print(`  resourceArn  ${api.resourceArn}`);
  print(`  secretArn    ${api.secretArn}`);
  print(`  database     ${api.database}${postgres ? ' (embedded PostgreSQL)' : ''}`);
  print(`Point the AWS SDK at it with:`);
  print(`  export AWS_ENDPOINT_URL_RDS_DATA=${api.endpoint} AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local`);
  return {
    api,
    async stop() {
      await api.close();
      await postgres?.stop();
    },
  };
}

async function main(): Promise<void> {
  let args: DataApiLocalArgs;
  try {
    args = parseDataApiLocalArgs(process.argv.slice(2));
  } catch (error) {
    console.error(`data-api-local: ${(error as Error).message}`);
    process.exitCode = 2;
    return;
  }
  const running = await runDataApiLocal(args);
  const stop = (): void => {
    void running.stop().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
