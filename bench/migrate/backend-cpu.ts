/**
 * CPU time of PostgreSQL backends, for the benchmark's account of where the time went: read from
 * `/proc/<pid>/stat` (Linux, PostgreSQL on this machine; 0 otherwise) for the backends connected to a
 * database, found in `pg_stat_activity`.
 */
import pg from 'pg';
import { processCpuMs } from '../support/data-api-process';

/**
 * User plus system CPU time so far of the backends connected to `database`, ms (ticks of 10 ms),
 * leaving out the connection used to ask.
 * @param applicationName only backends of this application (e.g. the local Data API's pool)
 */
export async function backendCpuMs(adminUrl: string, database: string, applicationName?: string): Promise<number> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ pid: number }>(
      'SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid() AND ($2::text IS NULL OR application_name = $2)',
      [database, applicationName ?? null],
    );
    const times = await Promise.all(rows.map((r) => processCpuMs(r.pid)));
    return times.reduce((a, b) => a + b, 0);
  } finally {
    await client.end();
  }
}
