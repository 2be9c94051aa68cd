/**
 * Databases the reliability tests create on the run's PostgreSQL server (or on a server of their
 * own), optionally as copies of a template: seeding a few thousand rows once and copying the
 * database (CREATE DATABASE ... TEMPLATE, PostgreSQL docs 23.3 "Template Databases") is much quicker
 * than seeding every copy.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export interface ScratchDatabase {
  readonly name: string;
  /** `postgres://...` URL of the database. */
  readonly url: string;
  /** Runs SQL (several statements allowed) on a pooled direct connection. */
  sql<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
  /** Closes the pool (a template must have no connections when it is copied). */
  close(): Promise<void>;
  /** Closes the pool and drops the database, ending any session still on it. */
  drop(): Promise<void>;
}

function urlFor(adminUrl: string, database: string): string {
  const u = new URL(adminUrl);
  u.pathname = `/${database}`;
  return u.toString();
}

async function onAdmin<T>(adminUrl: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/**
 * Creates a database named `<prefix>_<8 hex>` on the server of `adminUrl`, empty or as a copy of
 * `template` (which must have no open connection).
 */
export async function createScratchDatabase(adminUrl: string, prefix: string, template?: string): Promise<ScratchDatabase> {
  const name = `${prefix.replace(/[^a-z0-9_]/gi, '_').toLowerCase()}_${randomBytes(4).toString('hex')}`;
  await onAdmin(adminUrl, (admin) => admin.query(`CREATE DATABASE "${name}"${template ? ` TEMPLATE "${template}"` : ''}`));
  const url = urlFor(adminUrl, name);
  let pool: pg.Pool | undefined;
  const open = (): pg.Pool => {
    if (!pool) {
      pool = new pg.Pool({ connectionString: url, max: 2, idleTimeoutMillis: 1000 });
      // A server restart (database-restart test) must not crash the run through an idle client.
      pool.on('error', () => undefined);
    }
    return pool;
  };
  const close = async (): Promise<void> => {
    const p = pool;
    pool = undefined;
    await p?.end();
  };
  return {
    name,
    url,
    sql: (text, values) => open().query(text, values),
    close,
    async drop() {
      await close();
      await onAdmin(adminUrl, (admin) => admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    },
  };
}
