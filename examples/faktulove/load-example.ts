import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

/** The FaktuLove example folder. */
export const FAKTULOVE_DIR = path.dirname(fileURLToPath(import.meta.url));
/**
 * Its migrations in rds-migrate's native layout: 0021 the OCR fields (already in production: baselined,
 * not run), 0022 indexes, 0023 constraints added NOT VALID after the clean-up, 0024 validation.
 */
export const FAKTULOVE_MIGRATIONS = path.join(FAKTULOVE_DIR, 'migrations');

/**
 * Loads the FaktuLove database as production has it before the deployment: the Django tables with
 * 0021 applied (`schema.sql`) and 40 users and 5,000 invoices (`seed.sql`), some with the invalid OCR
 * values the guide warns about. Runs over a direct connection, as the application created it.
 */
export async function loadFaktuLove(databaseUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    for (const file of ['schema.sql', 'seed.sql']) {
      await client.query(await readFile(path.join(FAKTULOVE_DIR, file), 'utf8'));
    }
  } finally {
    await client.end();
  }
}
