/**
 * Built-in check `invalid-index`: no index of the covered schemas is INVALID (`pg_index.indisvalid =
 * false`), what a failed CREATE INDEX CONCURRENTLY or REINDEX CONCURRENTLY leaves behind: PostgreSQL
 * keeps maintaining it on writes but never uses it for queries (PostgreSQL docs, CREATE INDEX
 * "Building Indexes Concurrently"). An index still being built concurrently is invalid until it
 * finishes; it is reported as a warning instead. Cost: one query (at most {@link LIMIT} indexes listed).
 */
import type { Executor } from '../../driver/driver';
import type { VerificationCheck } from '../report';
import type { CatalogScope } from '../schema-scope';

const CHECK = 'invalid-index';
const LIMIT = 500;

interface InvalidIndexRow extends Record<string, string | boolean> {
  schema_name: string;
  index_name: string;
  table_name: string;
  building: boolean;
}

export async function checkInvalidIndexes(db: Executor, scope: CatalogScope): Promise<VerificationCheck[]> {
  const { rows } = await db.execute<InvalidIndexRow>(
    `SELECT n.nspname AS schema_name, c.relname AS index_name, t.relname AS table_name,
  EXISTS (SELECT 1 FROM pg_stat_progress_create_index p WHERE p.index_relid = c.oid) AS building
FROM pg_index i
JOIN pg_class c ON c.oid = i.indexrelid
JOIN pg_class t ON t.oid = i.indrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE NOT i.indisvalid AND n.nspname = ANY (string_to_array(:schemas, ',')) AND n.nspname <> :history_schema
ORDER BY 1, 2
LIMIT ${LIMIT}`,
    { schemas: scope.schemas, history_schema: scope.historySchema },
  );
  if (rows.length === 0) return [{ check: CHECK, severity: 'error', passed: true, message: 'no INVALID index' }];
  return rows.map((r) => {
    const object = `index ${r.schema_name}.${r.index_name}`;
    return r.building
      ? {
          check: CHECK, object, severity: 'warning' as const, passed: false, expected: 'valid', found: 'building',
          message: `${object} on ${r.table_name} is still being built concurrently (INVALID until it finishes)`,
        }
      : {
          check: CHECK, object, severity: 'error' as const, passed: false, expected: 'valid', found: 'INVALID',
          message: `${object} on ${r.table_name} is INVALID (a failed concurrent build): drop it and create it again`,
        };
  });
}
