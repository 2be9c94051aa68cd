import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

/** The MedDigitalAssistant example folder. */
export const MEDDIGITAL_DIR = path.dirname(fileURLToPath(import.meta.url));
/**
 * Its migrations (Django's App.0008 in three steps): 0008 the five offline-sync columns on "App_sale"
 * (catalog-only), 0008.1 the unique index on external_id built CONCURRENTLY, 0008.2 the unique
 * constraint attached to it.
 */
export const MEDDIGITAL_MIGRATIONS = path.join(MEDDIGITAL_DIR, 'migrations');

/**
 * Loads the MedDigitalAssistant database as production has it before App.0008: Django's auth_user and
 * the "App_product", "App_sale", "App_saleitem" tables (`schema.sql`) with 60 staff accounts, 250
 * products, 12,000 sales and 24,000 sale items, every sale's total the sum of its items (`seed.sql`,
 * deterministic). Runs over a direct connection, as the application created it; ends with ANALYZE.
 *
 * @param databaseUrl `postgres://...` URL of an empty database
 * @throws the PostgreSQL error of the first failing statement (e.g. 42P07 when the tables exist)
 */
export async function loadMedDigital(databaseUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    for (const file of ['schema.sql', 'seed.sql']) {
      await client.query(await readFile(path.join(MEDDIGITAL_DIR, file), 'utf8'));
    }
  } finally {
    await client.end();
  }
}
