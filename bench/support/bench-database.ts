/**
 * The benchmarks' own databases on the server of an admin URL (`DATABASE_URL`): their URLs, and
 * creating them afresh or dropping them (`WITH (FORCE)`: sessions a failed run left are ended).
 */
import pg from 'pg';

/** `adminUrl` with its database replaced by `database`. */
export function databaseUrl(adminUrl: string, database: string): string {
  const u = new URL(adminUrl);
  u.pathname = `/${database}`;
  return u.toString();
}

/** Drops database `name` if it exists, then (unless `drop`) creates it empty. */
export async function recreateDatabase(adminUrl: string, name: string, drop = false): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    if (!drop) await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
}
