import type { Driver } from '../../lambda/driver/driver';
import type { Log } from '../../lambda/observability/log';
import type { Session } from '../session';
import { awsClientConfig } from './local-endpoint';
import { describeTarget, type TargetSpec } from './target-options';

/**
 * Opens a driver on the target: `PgDriver` for `--database-url` and the embedded PostgreSQL,
 * `DataApiDriver` (with its own `RDSDataClient`, `maxAttempts: 1` as in the function) for the Data
 * API. The driver, the client and the embedded server are closed by the session's clean-ups.
 * Nothing is sent to the database here; connection failures surface at the first statement (the
 * session's `target` names it then).
 * @throws {EmbeddedPostgresError} when the embedded PostgreSQL cannot start
 */
export async function openTarget(spec: TargetSpec, session: Session, log: Log): Promise<Driver> {
  session.target = describeTarget(spec, session.io.cwd);
  switch (spec.kind) {
    case 'pg': {
      const { PgDriver } = await import('../../lambda/driver/pg/pg-driver');
      const driver = new PgDriver({ connectionString: spec.url });
      session.onCleanup(() => driver.close());
      return driver;
    }
    case 'embedded': {
      const { startProjectPostgres } = await import('./project-postgres');
      const server = await startProjectPostgres(spec.dataDir, spec.database, log);
      session.onCleanup(() => server.stop());
      const { PgDriver } = await import('../../lambda/driver/pg/pg-driver');
      const driver = new PgDriver({ connectionString: server.url });
      session.onCleanup(() => driver.close());
      return driver;
    }
    case 'data-api': {
      const [{ RDSDataClient }, { DataApiDriver }] = await Promise.all([
        import('@aws-sdk/client-rds-data'),
        import('../../lambda/driver/data-api/data-api-driver'),
      ]);
      const client = new RDSDataClient({ ...awsClientConfig(spec, session.io.env), maxAttempts: 1 });
      session.onCleanup(async () => client.destroy());
      return new DataApiDriver({ resourceArn: spec.resourceArn, secretArn: spec.secretArn, database: spec.database, client });
    }
  }
}
