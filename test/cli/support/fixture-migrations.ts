import type { TestProject } from './project';

/**
 * The CLI tests' own migrations, in the native layout, shaped after the FaktuLove guide (a table
 * with out-of-range values, indexes built CONCURRENTLY, a clean-up plus CHECK constraint) but fixed
 * here so the tests do not move when the examples do:
 *
 * - 0001 create_invoices: one transaction; 500 invoices, every 50th with confidence 150 (out of range)
 * - 0002 add_invoice_indexes: two CREATE INDEX CONCURRENTLY, run statement by statement
 * - 0003 add_confidence_check: one transaction; clean-up UPDATE, then the CHECK constraint
 * Each has a down.sql and a verify.sql.
 */
export const FIXTURE_MIGRATIONS: Readonly<Record<string, string>> = {
  '0001_create_invoices/up.sql': `-- The invoices table, seeded.
CREATE TABLE invoices (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  customer text NOT NULL,
  total numeric(12,2) NOT NULL,
  confidence numeric(5,2)
);

INSERT INTO invoices (customer, total, confidence)
SELECT 'customer-' || (g % 40), g * 1.25, CASE WHEN g % 50 = 0 THEN 150 ELSE g % 100 END
FROM generate_series(1, 500) AS g;
`,
  '0001_create_invoices/down.sql': 'DROP TABLE invoices;\n',
  '0001_create_invoices/verify.sql': 'SELECT count(*) = 500 AS invoices_seeded FROM invoices;\n',
  '0002_add_invoice_indexes/up.sql': `-- Built without blocking writes: statement by statement, outside a transaction.
CREATE INDEX CONCURRENTLY IF NOT EXISTS invoices_customer_idx ON invoices (customer);

CREATE INDEX CONCURRENTLY IF NOT EXISTS invoices_confidence_idx ON invoices (confidence);
`,
  '0002_add_invoice_indexes/down.sql': `DROP INDEX CONCURRENTLY IF EXISTS invoices_confidence_idx;
DROP INDEX CONCURRENTLY IF EXISTS invoices_customer_idx;
`,
  '0002_add_invoice_indexes/verify.sql': `SELECT count(*) = 2 AS invoice_indexes_valid
FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
WHERE c.relname IN ('invoices_customer_idx', 'invoices_confidence_idx') AND i.indisvalid;
`,
  '0003_add_confidence_check/up.sql': `-- Clean up the out-of-range values first, then constrain them.
UPDATE invoices SET confidence = NULL WHERE confidence < 0 OR confidence > 100;
ALTER TABLE invoices ADD CONSTRAINT invoices_confidence_range CHECK (confidence IS NULL OR confidence BETWEEN 0 AND 100);
`,
  '0003_add_confidence_check/down.sql': 'ALTER TABLE invoices DROP CONSTRAINT IF EXISTS invoices_confidence_range;\n',
  '0003_add_confidence_check/verify.sql': `SELECT count(*) = 1 AS confidence_check_validated
FROM pg_constraint WHERE conname = 'invoices_confidence_range' AND convalidated;
`,
};

/** Writes the fixture migrations into `<project>/<folder>/` (default `migrations/`). */
export async function writeFixtureMigrations(project: TestProject, folder = 'migrations'): Promise<void> {
  for (const [file, sql] of Object.entries(FIXTURE_MIGRATIONS)) await project.write(`${folder}/${file}`, sql);
}
