import type { Command } from 'commander';
import { addHelp } from '../help';
import { addOutputOptions, type OutputFlags } from '../output/output-options';
import { runCommand } from '../run-command';
import type { Session } from '../session';
import { EMBEDDED_DATA_DIR, EMBEDDED_DEFAULT_DATABASE } from '../target/target-options';
import { UsageError } from '../usage-error';

interface DataApiLocalFlags extends OutputFlags {
  readonly postgresUrl?: string;
  readonly port?: string;
  readonly host?: string;
  readonly statementWaitMs?: string;
  readonly transactionIdleTimeoutMs?: string;
}

/** The `--json` document `data-api-local` prints once it listens. */
export interface DataApiLocalReport {
  readonly action: 'data-api-local';
  readonly endpoint: string;
  readonly resourceArn: string;
  readonly secretArn: string;
  /** The database calls without a `database` member use. */
  readonly database: string;
  /** True when it serves the project's embedded PostgreSQL. */
  readonly embedded: boolean;
  /** Environment that points the AWS SDK (and `DataApiDriver`) at it. */
  readonly environment: Record<string, string>;
}

/**
 * `rds-migrate data-api-local`: serves the local Data API (`local/data-api`) over a PostgreSQL until
 * SIGINT/SIGTERM, for users' own tests of code written against `@aws-sdk/client-rds-data`.
 */
export function registerDataApiLocal(program: Command, session: Session): void {
  const command = program
    .command('data-api-local')
    .summary('serve the RDS Data API locally over a PostgreSQL (until Ctrl-C)')
    .description(
      'Serves the RDS Data API wire protocol (ExecuteStatement, BatchExecuteStatement, transactions; the same ' +
        'Field mapping, errors and limits) over a PostgreSQL, for tests of code written against ' +
        '@aws-sdk/client-rds-data. Prints the endpoint, the ARNs to send and the environment to set, then runs ' +
        `until SIGINT/SIGTERM (exit 0). Without --postgres-url (or RDS_MIGRATE_POSTGRES_URL, DATABASE_URL) it serves ` +
        `the project's embedded PostgreSQL in ${EMBEDDED_DATA_DIR}/.`,
    )
    .option('--postgres-url <url>', 'PostgreSQL server and default database')
    .option('--port <n>', 'TCP port; 0 picks a free one (default: RDS_MIGRATE_DATA_API_PORT, else 8080)')
    .option('--host <address>', 'interface to listen on', '127.0.0.1')
    .option('--statement-wait-ms <ms>', 'how long a call waits for its statement (Data API: 45000)')
    .option('--transaction-idle-timeout-ms <ms>', 'idle time after which a transaction is rolled back (Data API: 180000)');
  addOutputOptions(command);
  addHelp(command, {
    examples: [
      'rds-migrate data-api-local --port 8080',
      'rds-migrate data-api-local --postgres-url postgres://postgres:postgres@localhost:5432/app --port 0 --json',
      'rds-migrate status --resource-arn arn:aws:rds:us-east-1:123456789012:cluster:local-data-api \\\n      --secret-arn arn:aws:secretsmanager:us-east-1:123456789012:secret:local-data-api-AbCdEf \\\n      --database postgres --endpoint http://127.0.0.1:8080',
    ],
  });
  command.action(
    runCommand<DataApiLocalFlags>(session, async (ctx, flags) => {
      const { parseDataApiLocalArgs, runDataApiLocal } = await import('../../local/data-api/main');
      const argv: string[] = [];
      const pass = (flag: string, value: string | undefined) => value !== undefined && argv.push(flag, value);
      pass('--postgres-url', flags.postgresUrl);
      pass('--port', flags.port);
      pass('--host', flags.host);
      pass('--statement-wait-ms', flags.statementWaitMs);
      pass('--transaction-idle-timeout-ms', flags.transactionIdleTimeoutMs);
      let args;
      try {
        args = parseDataApiLocalArgs(argv, ctx.io.env);
      } catch (error) {
        throw new UsageError((error as Error).message);
      }
      let embedded = false;
      if (!args.postgresUrl) {
        const { startProjectPostgres } = await import('../target/project-postgres');
        const server = await startProjectPostgres(ctx.resolve(EMBEDDED_DATA_DIR), EMBEDDED_DEFAULT_DATABASE, ctx.log);
        session.onCleanup(() => server.stop());
        args = { ...args, postgresUrl: server.url };
        embedded = true;
      }
      const running = await runDataApiLocal(args, () => undefined);
      session.onCleanup(() => running.stop());
      session.keepAlive = true;
      const { api } = running;
      const report: DataApiLocalReport = {
        action: 'data-api-local',
        endpoint: api.endpoint,
        resourceArn: api.resourceArn,
        secretArn: api.secretArn,
        database: api.database,
        embedded,
        environment: { AWS_ENDPOINT_URL_RDS_DATA: api.endpoint, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' },
      };
      return {
        report,
        human: (out) => {
          const c = out.colour;
          out.line(c.green(`Local Data API listening on ${api.endpoint}`) + (embedded ? c.dim(` (embedded PostgreSQL in ${EMBEDDED_DATA_DIR})`) : ''));
          out.line(`  resourceArn  ${api.resourceArn}`);
          out.line(`  secretArn    ${api.secretArn}`);
          out.line(`  database     ${api.database}`);
          out.line('Point the AWS SDK at it with:');
          out.line(`  export ${Object.entries(report.environment).map(([k, v]) => `${k}=${v}`).join(' ')}`);
          out.line(`Or: rds-migrate status --resource-arn ${api.resourceArn} --secret-arn ${api.secretArn} --database ${api.database} --endpoint ${api.endpoint}`);
          out.line(c.dim('Ctrl-C stops it.'));
        },
      };
    }),
  );
}
