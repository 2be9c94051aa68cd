import type { Executor } from '../driver/driver';
import type { TableName } from './keys';
import type { ManifestSequence } from './manifest';
import { qualifiedName } from '../driver/quote-identifier';

/**
 * The sequences whose values belong with a table's rows, as the restore must reset them: sequences
 * owned by one of its columns (`serial`, `bigserial`, identity columns, `ALTER SEQUENCE ... OWNED BY`:
 * pg_depend deptype `a` or `i`) and sequences its column defaults draw from (`DEFAULT nextval('s')`:
 * the default's pg_attrdef entry depends on the sequence, deptype `n`). PostgreSQL docs, 53.18
 * "pg_depend". One catalog statement for all tables.
 *
 * @returns per table (`schema.table` of the input, in quoted form `"s"."t"`), its sequences in name order
 */
export async function listTableSequences(executor: Executor, tables: readonly TableName[]): Promise<Map<string, TableName[]>> {
  const found = new Map<string, TableName[]>();
  if (tables.length === 0) return found;
  const { rows } = await executor.execute<{ table_schema: string; table_name: string; schema: string; name: string }>(
    `WITH wanted AS (
       SELECT c.oid, n.nspname AS table_schema, c.relname AS table_name
         FROM json_array_elements(:tables::json) AS w
         JOIN pg_catalog.pg_namespace n ON n.nspname = w->>0
         JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid AND c.relname = w->>1
     ), linked AS (
       SELECT d.refobjid AS table_oid, d.objid AS sequence_oid
         FROM pg_catalog.pg_depend d
        WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.refclassid = 'pg_catalog.pg_class'::regclass
          AND d.deptype IN ('a', 'i') AND d.refobjid IN (SELECT oid FROM wanted)
       UNION
       SELECT ad.adrelid, d.refobjid
         FROM pg_catalog.pg_attrdef ad
         JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_attrdef'::regclass AND d.objid = ad.oid
          AND d.refclassid = 'pg_catalog.pg_class'::regclass AND d.deptype = 'n'
        WHERE ad.adrelid IN (SELECT oid FROM wanted)
     )
     SELECT w.table_schema, w.table_name, sn.nspname AS schema, s.relname AS name
       FROM linked l
       JOIN wanted w ON w.oid = l.table_oid
       JOIN pg_catalog.pg_class s ON s.oid = l.sequence_oid AND s.relkind = 'S'
       JOIN pg_catalog.pg_namespace sn ON sn.oid = s.relnamespace
      ORDER BY w.table_schema, w.table_name, sn.nspname, s.relname`,
    { tables: JSON.stringify(tables.map((t) => [t.schema, t.table])) },
  );
  for (const row of rows) {
    const key = qualifiedName(row.table_schema, row.table_name);
    const list = found.get(key) ?? [];
    list.push({ schema: row.schema, table: row.name });
    found.set(key, list);
  }
  return found;
}

/** Sequences read per statement: each adds about 120 characters to a statement of at most 65,536. */
const SEQUENCES_PER_STATEMENT = 200;

/**
 * Reads `last_value` and `is_called` of each sequence (`SELECT ... FROM <sequence>`, which needs SELECT
 * on it; PostgreSQL docs, 9.17 "Sequence Manipulation Functions"), one statement per 200 sequences.
 * Sequences are not transactional: the values are those of the moment of the read, never lower than
 * what the exported rows drew (a sequence only moves forward unless someone calls setval).
 * @returns the values, keyed by `"schema"."name"`
 */
export async function readSequenceValues(executor: Executor, sequences: readonly TableName[]): Promise<Map<string, ManifestSequence>> {
  const values = new Map<string, ManifestSequence>();
  const unique = [...new Map(sequences.map((s) => [qualifiedName(s.schema, s.table), s])).values()];
  for (let start = 0; start < unique.length; start += SEQUENCES_PER_STATEMENT) {
    const chunk = unique.slice(start, start + SEQUENCES_PER_STATEMENT);
    const sql = chunk
      .map((s, i) => `SELECT ${start + i} AS i, last_value::text AS last_value, is_called FROM ${qualifiedName(s.schema, s.table)}`)
      .join('\nUNION ALL ');
    const { rows } = await executor.execute<{ i: number; last_value: string; is_called: boolean }>(sql);
    for (const row of rows) {
      const sequence = unique[row.i]!;
      values.set(qualifiedName(sequence.schema, sequence.table), {
        schema: sequence.schema,
        name: sequence.table,
        lastValue: row.last_value,
        isCalled: row.is_called,
      });
    }
  }
  return values;
}
