/**
 * A PostgreSQL server of a test's own (embedded, with its own data directory and port, durable:
 * fsync on), which the test can restart under a running migration: a fast shutdown (SIGINT: sessions
 * ended, open transactions rolled back, checkpoint) or a crash (SIGQUIT to the postmaster: no
 * checkpoint, crash recovery from the WAL on start), as an Aurora writer restart or failover would.
 * PostgreSQL docs, 19.5 "Shutting Down the Server".
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePort, startPostgres, type PostgresServer } from '../../../local/postgres/embedded-postgres';

export type RestartMode = 'fast' | 'crash';

export interface RestartablePostgres {
  readonly adminUrl: string;
  /** Restarts the server; resolves once it accepts connections again. */
  restart(mode: RestartMode): Promise<void>;
  /** Restarts done so far. */
  readonly restarts: number;
  /** Stops the server and removes its data directory. */
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Starts the embedded server (never the one `DATABASE_URL` names: that one cannot be restarted here). */
async function startEmbedded(dataDir: string, port: number): Promise<PostgresServer> {
  const saved = process.env.DATABASE_URL;
  delete process.env.DATABASE_URL;
  try {
    return await startPostgres({ dataDir, port });
  } finally {
    if (saved !== undefined) process.env.DATABASE_URL = saved;
  }
}

export async function startRestartablePostgres(): Promise<RestartablePostgres> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'rds-migrate-pg-restart-'));
  const port = await freePort();
  let server = await startEmbedded(dataDir, port);
  let restarts = 0;
  return {
    adminUrl: server.adminUrl,
    get restarts() {
      return restarts;
    },
    async restart(mode) {
      if (mode === 'fast') {
        await server.stop();
      } else {
        const pidFile = path.join(dataDir, 'postmaster.pid');
        const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
        process.kill(pid, 'SIGQUIT');
        for (let i = 0; i < 200 && alive(pid); i++) await sleep(25);
        if (alive(pid)) throw new Error(`postmaster ${pid} did not exit after SIGQUIT`);
        // An immediate shutdown may leave the pid file; PostgreSQL ignores a stale one, but only when its pid is gone.
        if (existsSync(pidFile) && alive(Number(readFileSync(pidFile, 'utf8').split('\n')[0]))) throw new Error('stale postmaster.pid');
      }
      server = await startEmbedded(dataDir, port);
      restarts++;
    },
    async stop() {
      await server.stop().catch(() => undefined);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
