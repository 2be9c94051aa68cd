/**
 * The types whose text form PostgreSQL reads back to the very value it was rendered from: for a column of
 * one of them, a `record` line read with the column's type (record_in) and rendered again (record_out)
 * gives the line back byte for byte, whatever the value, so a restore need not render the row to prove it
 * (`record-batch.ts`).
 *
 * This is the contract `COPY ... TO` and `COPY ... FROM` rely on (PostgreSQL docs, 8 "Data Types": each
 * type's output function writes a form its input function reads; `pg_dump` restores every value through
 * it). It holds under fixed settings, which the export and the restore both set (`snapshot-settings.ts`:
 * `DateStyle` ISO, `IntervalStyle` postgres, `extra_float_digits` 1, UTC, hex `bytea`), and for a value of
 * the same type and type modifier on both sides (`numeric(12,2)` read as `numeric(12,0)` would round: the
 * restore compares the manifest's type with the target's, `format_type` on both).
 *
 * Listed: the built-in types of issue #4's "every common type" whose input and output depend on no other
 * setting or catalog content. Left out, so rendered and compared: `money` (its text follows `lc_monetary`),
 * the `reg*` types and `aclitem` (names looked up in the catalog: another database may resolve them to
 * other objects), geometric types, ranges, composites, `xml`, and any type an extension or user defines.
 */
export const EXACT_TEXT_TYPES: readonly string[] = [
  'boolean', 'bytea', '"char"', 'smallint', 'integer', 'bigint', 'real', 'double precision', 'numeric',
  'text', 'character varying', 'character', 'date', 'time without time zone', 'time with time zone',
  'timestamp without time zone', 'timestamp with time zone', 'interval', 'uuid', 'json', 'jsonb', 'inet',
  'cidr', 'macaddr', 'macaddr8', 'bit', 'bit varying', 'tsvector',
];

/**
 * A boolean SQL expression: the type of oid `typeOid` (an SQL expression, e.g. `a.atttypid`) reads its text
 * back exactly. True for a type of {@link EXACT_TEXT_TYPES}, an enum (its labels are its text), a domain
 * over one of these without a type modifier of its own (one level: a domain over a domain is not followed),
 * and an array type whose element is one of these; false for anything else, including a type that does not
 * exist. A domain's modifier (`CREATE DOMAIN d AS numeric(12,2)`) is not in its `format_type`, so the
 * restore's comparison of the manifest's type with the target's could not see it change; a column's own
 * modifier it sees (`numeric(12,2)`, `numeric(12,2)[]`).
 */
export function exactTextSql(typeOid: string): string {
  const listed = `ARRAY[${EXACT_TEXT_TYPES.map((t) => `'${t.replace(/'/g, "''")}'`).join(', ')}]::pg_catalog.regtype[]`;
  const exact = (t: string) => `(${t}.typtype = 'e' OR ${t}.oid = ANY (${listed}))`;
  return `EXISTS (SELECT 1 FROM pg_catalog.pg_type rds_t
      LEFT JOIN pg_catalog.pg_type rds_base ON rds_base.oid = rds_t.typbasetype
      JOIN pg_catalog.pg_type rds_v ON rds_v.oid = coalesce(rds_base.oid, rds_t.oid)
      LEFT JOIN pg_catalog.pg_type rds_e ON rds_e.oid = rds_v.typelem AND rds_v.typcategory = 'A'
     WHERE rds_t.oid = ${typeOid} AND rds_v.typtype <> 'd' AND (rds_t.typtype <> 'd' OR rds_t.typtypmod = -1)
       AND (${exact('rds_v')} OR (rds_e.oid IS NOT NULL AND ${exact('rds_e')})))`;
}
