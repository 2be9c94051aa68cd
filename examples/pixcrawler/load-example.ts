import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

/** The PixCrawler example folder. */
export const PIXCRAWLER_DIR = path.dirname(fileURLToPath(import.meta.url));
/**
 * Its migrations (Alembic revision 001_initial_schema in four steps): 001.1 the two job tables, 001.2
 * the indexes on the tables with data (CONCURRENTLY), 001.3 the foreign keys NOT VALID with the
 * orphaned rows reported in `orphaned_rows` and cleaned up, 001.4 their validation.
 */
export const PIXCRAWLER_MIGRATIONS = path.join(PIXCRAWLER_DIR, 'migrations');

/**
 * Loads the PixCrawler database as production has it before revision 001: the five tables without
 * foreign keys or indexes (`schema.sql`) and about 33,500 deterministic rows (`seed.sql`): 300 profiles,
 * 1,200 projects, 4,000 crawl jobs, 20,000 images, 8,000 activity log entries, among them projects,
 * crawl jobs, images and log entries whose parent row no longer exists. Runs over a direct
 * connection, as the application created it; ends with ANALYZE.
 *
 * @param databaseUrl `postgres://...` URL of an empty database
 * @throws the PostgreSQL error of the first failing statement (e.g. 42P07 when the tables exist)
 */
export async function loadPixCrawler(databaseUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    for (const file of ['schema.sql', 'seed.sql']) {
      await client.query(await readFile(path.join(PIXCRAWLER_DIR, file), 'utf8'));
    }
  } finally {
    await client.end();
  }
}
