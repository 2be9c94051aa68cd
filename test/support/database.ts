import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { PgDriver } from '../../lambda/driver/pg/pg-driver';

export interface TestDatabase {
  /** Database name, unique to this call. */
  readonly name: string;
  /** `postgres://...` URL of the database. */
  readonly url: string;
  /** Opens a `pg` driver on it (closed by `drop`). */
  driver(): PgDriver;
  /** Runs SQL (several statements allowed) on a direct connection: for fixtures and assertions. */
  sql(text: string, values?: unknown[]): Promise<pg.QueryResult>;
  /** Closes the drivers opened here and drops the database. */
  drop(): Promise<void>;
}

/** `url` (a PostgreSQL connection URL) with its database replaced by `database`: another database of the same server. */
export function urlFor(adminUrl: string, database: string): string {
  const u = new URL(adminUrl);
  u.pathname = `/${database}`;
  return u.toString();
}

/** Creates a fresh database on the run's server (see `global-setup.ts`). */
export async function createTestDatabase(prefix = 'test'): Promise<TestDatabase> {
  const adminUrl = inject('pgAdminUrl');
  const name = `${prefix.replace(/[^a-z0-9_]/gi, '_').toLowerCase()}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const url = urlFor(adminUrl, name);
  const drivers: PgDriver[] = [];
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  // An idle pooled connection ended by the server (57P01 when a test terminates backends, or the
  // database dropped WITH (FORCE)) is an 'error' event on the pool: without a listener, an unhandled
  // error that fails the whole run. Queries still reject with their own errors.
  pool.on('error', () => undefined);
  return {
    name,
    url,
    driver() {
      const d = new PgDriver({ connectionString: url });
      drivers.push(d);
      return d;
    },
    sql: (text, values) => pool.query(text, values),
    async drop() {
      await Promise.all(drivers.map((d) => d.close().catch(() => undefined)));
      await pool.end();
      const a = new pg.Client({ connectionString: adminUrl });
      await a.connect();
      try {
        await a.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await a.end();
      }
    },
  };
}
