/**
 * The skeleton files `rds-migrate new` writes. up.sql holds only comments, so the compiler refuses
 * it (exit code 4, "up.sql has no SQL statement") until the change is written. down.sql raises an
 * error until it is written, so that a rollback cannot silently record a revert that did nothing.
 * verify.sql holds a commented example.
 */
export interface MigrationTemplates {
  readonly up: string;
  readonly down: string;
  readonly verify: string;
}

export function migrationTemplates(folder: string): MigrationTemplates {
  return {
    up: `-- ${folder}: the change. Write it below; it runs in one transaction with its schema history row.
-- Statements PostgreSQL refuses inside a transaction (CREATE INDEX CONCURRENTLY, ...) must be the only
-- kind in this file: the file then runs statement by statement, resuming after a failure.
-- Check it before deploying: rds-migrate lint, rds-migrate plan.
`,
    down: `-- ${folder}: reverts up.sql (rds-migrate rollback --to <the version before>).
-- Replace the statement below with the revert, e.g. DROP INDEX CONCURRENTLY IF EXISTS ...;
-- or delete this file if the migration cannot be reverted (restore its snapshot instead).
DO $$ BEGIN RAISE EXCEPTION 'down.sql of ${folder} is not written yet'; END $$;
`,
    verify: `-- ${folder}: proves up.sql worked; runs read-only and is rolled back (rds-migrate verify).
-- Each query fails the verification when it raises an error, returns no rows, or returns false in
-- its first column, e.g.:
--   SELECT count(*) = 1 AS index_exists FROM pg_indexes WHERE indexname = 'my_index';
`,
  };
}
