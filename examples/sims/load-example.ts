import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

/** The SIMS example folder. */
export const SIMS_DIR = path.dirname(fileURLToPath(import.meta.url));
/**
 * Its migrations, in rds-migrate's native layout: 0001 analytics indexes, 0002 bulk operation
 * error_details/retry_count, 0003 scheduled report run times, 0004 pg_trgm and unaccent, 0005 the
 * trigram index, 0006 the audit index, 0007 the full-text and partial indexes.
 */
export const SIMS_MIGRATIONS = path.join(SIMS_DIR, 'migrations');

/**
 * Loads the SIMS database as production has it before release 1.0.0: the Django apps' tables
 * (`schema.sql`) and about 51,000 deterministic rows (`seed.sql`): 400 users (supervisors and
 * unassigned postgraduates without a supervisor), 12,000 logbook entries, 6,000 clinical cases,
 * 15,000 notifications with about a fifth unread, search history with accented terms, the audit trail.
 * Runs over a direct connection, as the application created it; ends with ANALYZE.
 *
 * @param databaseUrl `postgres://...` URL of an empty database
 * @throws the PostgreSQL error of the first failing statement (e.g. 42P07 when the tables exist)
 */
export async function loadSims(databaseUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    for (const file of ['schema.sql', 'seed.sql']) {
      await client.query(await readFile(path.join(SIMS_DIR, file), 'utf8'));
    }
  } finally {
    await client.end();
  }
}
