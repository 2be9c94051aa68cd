/**
 * Built-in check `not-valid-constraint`: no constraint of the covered schemas is still NOT VALID
 * (`pg_constraint.convalidated = false`). `ADD CONSTRAINT ... NOT VALID` checks only new writes; the
 * existing rows stay unchecked until `ALTER TABLE ... VALIDATE CONSTRAINT` (PostgreSQL docs, ALTER TABLE,
 * "ADD table_constraint ... NOT VALID"). A migration that adds one NOT VALID is expected to validate it
 * in the same deploy; one left NOT VALID is an error (override the severity for a deliberate
 * two-deploy validation). Cost: one query (at most {@link LIMIT} constraints listed).
 */
import type { Executor } from '../../driver/driver';
import type { VerificationCheck } from '../report';
import type { CatalogScope } from '../schema-scope';

const CHECK = 'not-valid-constraint';
const LIMIT = 500;

interface NotValidRow extends Record<string, string> {
  schema_name: string;
  table_name: string;
  constraint_name: string;
  contype: string;
  definition: string;
}

export async function checkNotValidConstraints(db: Executor, scope: CatalogScope): Promise<VerificationCheck[]> {
  const { rows } = await db.execute<NotValidRow>(
    `SELECT n.nspname AS schema_name, t.relname AS table_name, c.conname AS constraint_name, c.contype::text AS contype,
  pg_get_constraintdef(c.oid) AS definition
FROM pg_constraint c
JOIN pg_class t ON t.oid = c.conrelid
JOIN pg_namespace n ON n.oid = t.relnamespace
WHERE NOT c.convalidated AND n.nspname = ANY (string_to_array(:schemas, ',')) AND n.nspname <> :history_schema
ORDER BY 1, 2, 3
LIMIT ${LIMIT}`,
    { schemas: scope.schemas, history_schema: scope.historySchema },
  );
  if (rows.length === 0) return [{ check: CHECK, severity: 'error', passed: true, message: 'every constraint is validated' }];
  return rows.map((r) => {
    const object = `${r.contype === 'f' ? 'foreign key' : 'constraint'} ${r.schema_name}.${r.table_name}.${r.constraint_name}`;
    return {
      check: CHECK, object, severity: 'error' as const, passed: false, expected: 'validated', found: 'NOT VALID',
      message: `${object} is NOT VALID (existing rows unchecked): run ALTER TABLE ${r.schema_name}.${r.table_name} VALIDATE CONSTRAINT ${r.constraint_name}`,
    };
  });
}
