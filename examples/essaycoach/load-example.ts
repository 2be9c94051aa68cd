import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

/** The EssayCoach example folder. */
export const ESSAYCOACH_DIR = path.dirname(fileURLToPath(import.meta.url));
/**
 * Its migrations (the guide's release in eight steps): 0001 the batched word-count backfill
 * (TypeScript, irreversible), 0002 the confidence score with its range CHECK added NOT VALID, 0003 its
 * validation, 0004 the essay version model, 0005 the old analytics moved to the new table
 * (TypeScript, no-op reverse), 0006 the four feedback types seeded (TypeScript, no-op reverse), 0007
 * the processed_content array column, 0008 its GIN index built CONCURRENTLY.
 */
export const ESSAYCOACH_MIGRATIONS = path.join(ESSAYCOACH_DIR, 'migrations');

/** Essays in the seed (`seed.sql`). */
export const ESSAYCOACH_ESSAYS = 100_000;

/**
 * Loads the EssayCoach database as production has it before the guide's release: Django's auth_user and
 * the essay, feedback, analytics (old and new) and feedback type tables (`schema.sql`) with 1,200
 * students, 100,000 essays (word_count filled only for the newest 10,000), 50,000 feedback items, 16,800
 * old analytics rows, 3,600 new ones and no feedback type (`seed.sql`, deterministic, generated in SQL:
 * a few seconds). Runs over a direct connection, as the application created it; ends with ANALYZE.
 *
 * @param databaseUrl `postgres://...` URL of an empty database
 * @throws the PostgreSQL error of the first failing statement (e.g. 42P07 when the tables exist)
 */
export async function loadEssayCoach(databaseUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    for (const file of ['schema.sql', 'seed.sql']) {
      await client.query(await readFile(path.join(ESSAYCOACH_DIR, file), 'utf8'));
    }
  } finally {
    await client.end();
  }
}
