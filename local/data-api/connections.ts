/**
 * The local Data API's connections to PostgreSQL: one `pg` pool per database, and a connection reset
 * (`DISCARD ALL`) every time one goes back to its pool, so that, as on AWS, no session state (SET,
 * temporary tables, session advisory locks, prepared statements) survives from one call to the next
 * (see `/work/shared/data-api-reference.md`, "session state").
 */
import os from 'node:os';
import pg from 'pg';
import { TypeCatalog } from './type-catalog';

/**
 * Session settings of every connection, as an Aurora PostgreSQL cluster has them by default: UTC, ISO
 * dates. They are startup options, so `DISCARD ALL` (which runs `RESET ALL`) returns to them.
 */
const SESSION_OPTIONS = '-c TimeZone=UTC -c DateStyle=ISO,MDY -c IntervalStyle=postgres -c bytea_output=hex';

/** A connection taken from a pool for one call or one transaction. */
export interface Lease {
  readonly client: pg.PoolClient;
  /** Backend process id (`pg_backend_pid()`), the StatementTimeoutException's dbConnectionId. */
  readonly pid: number;
  readonly database: string;
  /**
   * Resets the session with `DISCARD ALL` and returns the connection to its pool; a connection that
   * cannot be reset (broken, or left inside a transaction block) is closed instead. Never throws.
   */
  release(): Promise<void>;
}

function databaseUrl(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${encodeURIComponent(database)}`;
  return url.toString();
}

/**
 * The user name `pg` connects as for `postgresUrl`: the URL's, else `PGUSER`, else the operating
 * system user (libpq's defaults, PostgreSQL docs 34.15 "Environment Variables").
 */
function connectingUser(postgresUrl: string): string {
  return decodeURIComponent(new URL(postgresUrl).username) || process.env.PGUSER || os.userInfo().username;
}

export class DatabasePools {
  /** The database of the server URL (its path; `postgres` if empty): the one to name in requests. */
  readonly database: string;
  /**
   * The database used when a request names none: as on AWS, where it is the secret's user name
   * (`/work/shared/data-api-reference.md`, "database"), the name of the user the server URL connects
   * as (the local stand-in for the secret). A request without `database` on a server without a
   * database of that name fails as it would on AWS (SQLSTATE 3D000).
   */
  readonly defaultDatabase: string;
  private readonly pools = new Map<string, pg.Pool>();
  private readonly catalogs = new Map<string, TypeCatalog>();

  /**
   * @param postgresUrl `postgres://user:password@host:port/database`: the server, the user (whose name is
   *   the default database) and the database to name in requests
   * @param maxConnections pool size per database
   */
  constructor(
    private readonly postgresUrl: string,
    private readonly maxConnections: number,
  ) {
    this.database = decodeURIComponent(new URL(postgresUrl).pathname.replace(/^\//, '')) || 'postgres';
    this.defaultDatabase = connectingUser(postgresUrl);
  }

  private pool(database: string): pg.Pool {
    let pool = this.pools.get(database);
    if (!pool) {
      pool = new pg.Pool({
        connectionString: databaseUrl(this.postgresUrl, database),
        max: this.maxConnections,
        options: SESSION_OPTIONS,
        application_name: 'rds-migrate-local-data-api',
      });
      // An idle connection whose server went away must not crash the process.
      pool.on('error', () => undefined);
      this.pools.set(database, pool);
    }
    return pool;
  }

  /** The type catalog of `database` (built-in types plus cached pg_type lookups). */
  catalog(database: string): TypeCatalog {
    let catalog = this.catalogs.get(database);
    if (!catalog) {
      catalog = new TypeCatalog();
      this.catalogs.set(database, catalog);
    }
    return catalog;
  }

  /**
   * Takes a connection to `database` (the default database when undefined).
   * @throws the `pg` error when the database cannot be reached (unknown database: SQLSTATE 3D000;
   *   server down: ECONNREFUSED)
   */
  async acquire(database: string = this.defaultDatabase): Promise<Lease> {
    const client = await this.pool(database).connect();
    const pid = (client as unknown as { processID: number }).processID;
    // While leased, the pool no longer listens for the client's errors: a connection lost between two
    // calls of a transaction (server restart, backend terminated) would otherwise be an uncaught
    // 'error' event. The next query on it fails with the same cause, and ends the transaction.
    const lost = (): void => undefined;
    client.on('error', lost);
    let released = false;
    return {
      client,
      pid,
      database,
      async release() {
        if (released) return;
        released = true;
        let broken: Error | true | undefined;
        try {
          await client.query('DISCARD ALL');
        } catch (error) {
          broken = error instanceof Error ? error : true;
        }
        // Back in the pool (or destroyed when broken), the pool's own listener takes over.
        client.removeListener('error', lost);
        client.release(broken);
      },
    };
  }

  /**
   * Cancels the statement running on backend `pid` (`pg_cancel_backend`, PostgreSQL docs 9.28.2
   * "Server Signaling Functions"), over a connection of its own so that a full pool cannot delay it.
   * Returns false when the cancel could not be sent.
   */
  async cancel(database: string, pid: number): Promise<boolean> {
    const client = new pg.Client({ connectionString: databaseUrl(this.postgresUrl, database) });
    client.on('error', () => undefined);
    try {
      await client.connect();
      const result = await client.query<{ cancelled: boolean }>('SELECT pg_cancel_backend($1) AS cancelled', [pid]);
      return result.rows[0]?.cancelled === true;
    } catch {
      return false;
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  /** Closes every pool (connections still leased are closed when released). */
  async close(): Promise<void> {
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(pools.map((pool) => pool.end().catch(() => undefined)));
  }
}
