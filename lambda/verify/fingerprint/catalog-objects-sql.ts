/**
 * The schema fingerprint's catalog query: every object of the covered schemas as one row
 * `(object text, definition jsonb)`, read from the PostgreSQL system catalogs (PostgreSQL docs,
 * chapter 51 "System Catalogs") in one statement, whatever the number of objects.
 *
 * Object names (the `object` column) are `<family> <qualified name>`:
 *
 * | family | name | definition |
 * |---|---|---|
 * | `table` | `public.faktura` | kind (regular, partitioned, foreign), unlogged, row security, options, partition of/bound |
 * | `column` | `public.faktura.ocr_confidence` | type (`format_type`), notNull, default, identity, generated, collation |
 * | `index` | `public.faktura_ocr_idx` | table, definition (`pg_get_indexdef`), valid (`indisvalid`), unique, primary |
 * | `constraint` | `public.faktura.faktura_pkey` | type (check, primary key, unique, exclusion), definition, validated, deferrable |
 * | `foreign key` | `public.faktura.faktura_user_id_fkey` | definition (`pg_get_constraintdef`), validated, references, deferrable |
 * | `sequence` | `public.faktura_id_seq` | type, start, increment, min, max, cache, cycle, ownedBy |
 * | `view` / `materialized view` | `public.v` | definition (`pg_get_viewdef`), options |
 * | `function` | `public.f(integer, text)` | kind, returns, language, volatility, strict, security definer, parallel, config, source |
 * | `trigger` | `public.faktura.faktura_audit` | definition (`pg_get_triggerdef`), enabled |
 * | `type` | `public.status` | enum labels, or a domain's base type, not null, default and constraints |
 * | `extension` | `pg_trgm` | version, schema (extensions are database-wide) |
 *
 * Left out: the schema history schema, pg_catalog, information_schema, other schemas than the covered
 * ones, objects that belong to an extension (`pg_depend.deptype = 'e'`) and what hangs off them,
 * internal triggers, and NOT NULL rows of pg_constraint (PostgreSQL 18 records NOT NULL as constraints;
 * the column's `notNull` covers them, so a major version upgrade does not read as drift).
 * Row counts, sequence positions and statistics are not part of a fingerprint: only what migrations define.
 *
 * Long texts (view, function, index, constraint, trigger definitions and defaults longer than
 * {@link MAX_DEFINITION_CHARS} characters) are replaced by `sha256:<hex>` of the text, so one object
 * stays far below the Data API's 64 KB row limit and a report lists many objects within its 1 MiB.
 *
 * Definitions print names qualified or not depending on the search_path (`pg_get_indexdef`,
 * `format_type`, ...). Run the query with `search_path = pg_catalog` (see `catalog-transaction.ts`),
 * so a fingerprint does not depend on the role or connection that read it.
 */

/** The document format written into `schema_fingerprint.format`; a change of this query bumps it. */
export const FINGERPRINT_FORMAT = 1;

/** Longest text kept as it is in a definition, characters; longer ones become `sha256:<hex>`. */
export const MAX_DEFINITION_CHARS = 1000;

/** `text` as it is when short, else `sha256:<hex>` of its UTF-8 bytes (see the module doc). */
function capped(text: string): string {
  return `CASE WHEN length(${text}) <= ${MAX_DEFINITION_CHARS} THEN ${text} ELSE 'sha256:' || encode(sha256(convert_to(${text}, 'UTF8')), 'hex') END`;
}

/** True when the pg_class row `oid` belongs to an extension. */
const EXTENSION_CLASS = (oid: string): string =>
  `EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_class'::regclass AND e.objid = ${oid} AND e.deptype = 'e')`;

/**
 * The CTEs `scope`, `rel` and `objects` (the last one has the columns `object`, `definition`), to put
 * after `WITH` (and after any CTE the caller defines first).
 *
 * @param schemasSql a SQL expression of type text[] naming the covered schemas, e.g.
 *   `string_to_array(:schemas, ',')` (the Data API takes no array parameters)
 * @param historySchemaSql a SQL expression of type text: the schema history schema, always left out
 */
export function catalogObjectsCtes(schemasSql: string, historySchemaSql: string): string {
  return `scope AS (
  SELECT n.oid, n.nspname FROM pg_namespace n
  WHERE n.nspname = ANY (${schemasSql}) AND n.nspname <> ${historySchemaSql}
    AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
), rel AS (
  SELECT c.oid, c.relname, c.relkind, c.relpersistence, c.relrowsecurity, c.relforcerowsecurity, c.reloptions,
    c.relispartition, c.relpartbound, s.nspname, s.nspname || '.' || c.relname AS qualified
  FROM pg_class c JOIN scope s ON s.oid = c.relnamespace
  WHERE c.relkind IN ('r', 'p', 'f', 'v', 'm', 'S', 'i', 'I') AND NOT ${EXTENSION_CLASS('c.oid')}
), objects AS (
  SELECT 'table ' || r.qualified AS object, jsonb_build_object(
    'kind', CASE r.relkind WHEN 'p' THEN 'partitioned' WHEN 'f' THEN 'foreign' ELSE 'regular' END,
    'unlogged', r.relpersistence = 'u', 'rowSecurity', r.relrowsecurity, 'forceRowSecurity', r.relforcerowsecurity,
    'options', to_jsonb(r.reloptions),
    'partitionOf', (SELECT pn.nspname || '.' || pc.relname FROM pg_inherits ih JOIN pg_class pc ON pc.oid = ih.inhparent
      JOIN pg_namespace pn ON pn.oid = pc.relnamespace WHERE r.relispartition AND ih.inhrelid = r.oid),
    'partitionBound', pg_get_expr(r.relpartbound, r.oid)) AS definition
  FROM rel r WHERE r.relkind IN ('r', 'p', 'f')
  UNION ALL
  SELECT 'column ' || r.qualified || '.' || a.attname, jsonb_build_object(
    'type', format_type(a.atttypid, a.atttypmod), 'notNull', a.attnotnull,
    'default', ${capped('pg_get_expr(ad.adbin, ad.adrelid)')},
    'identity', nullif(a.attidentity::text, ''), 'generated', nullif(a.attgenerated::text, ''),
    'collation', CASE WHEN a.attcollation <> 0 AND a.attcollation <> ty.typcollation THEN co.collname END)
  FROM rel r JOIN pg_attribute a ON a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped
  JOIN pg_type ty ON ty.oid = a.atttypid
  LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
  LEFT JOIN pg_collation co ON co.oid = a.attcollation
  WHERE r.relkind IN ('r', 'p', 'f')
  UNION ALL
  SELECT 'index ' || r.qualified, jsonb_build_object(
    'table', t.qualified, 'definition', ${capped('pg_get_indexdef(i.indexrelid)')},
    'valid', i.indisvalid, 'unique', i.indisunique, 'primary', i.indisprimary)
  FROM pg_index i JOIN rel r ON r.oid = i.indexrelid JOIN rel t ON t.oid = i.indrelid
  UNION ALL
  SELECT CASE con.contype WHEN 'f' THEN 'foreign key ' ELSE 'constraint ' END || r.qualified || '.' || con.conname,
    jsonb_build_object(
      'type', CASE con.contype WHEN 'c' THEN 'check' WHEN 'p' THEN 'primary key' WHEN 'u' THEN 'unique'
        WHEN 'x' THEN 'exclusion' WHEN 'f' THEN 'foreign key' ELSE con.contype::text END,
      'definition', ${capped('pg_get_constraintdef(con.oid)')}, 'validated', con.convalidated,
      'deferrable', con.condeferrable, 'deferred', con.condeferred,
      'references', CASE WHEN con.contype = 'f' THEN (SELECT fn.nspname || '.' || fc.relname FROM pg_class fc
        JOIN pg_namespace fn ON fn.oid = fc.relnamespace WHERE fc.oid = con.confrelid) END)
  FROM pg_constraint con JOIN rel r ON r.oid = con.conrelid
  WHERE con.contype IN ('c', 'p', 'u', 'x', 'f') AND con.conparentid = 0
  UNION ALL
  SELECT 'sequence ' || r.qualified, jsonb_build_object(
    'type', format_type(sq.seqtypid, NULL), 'start', sq.seqstart, 'increment', sq.seqincrement,
    'min', sq.seqmin, 'max', sq.seqmax, 'cache', sq.seqcache, 'cycle', sq.seqcycle,
    'ownedBy', (SELECT dn.nspname || '.' || dc.relname || '.' || da.attname FROM pg_depend d
      JOIN pg_class dc ON dc.oid = d.refobjid JOIN pg_namespace dn ON dn.oid = dc.relnamespace
      JOIN pg_attribute da ON da.attrelid = d.refobjid AND da.attnum = d.refobjsubid
      WHERE d.classid = 'pg_class'::regclass AND d.objid = r.oid AND d.refclassid = 'pg_class'::regclass
        AND d.refobjsubid > 0 AND d.deptype IN ('a', 'i') LIMIT 1))
  FROM rel r JOIN pg_sequence sq ON sq.seqrelid = r.oid
  UNION ALL
  SELECT CASE r.relkind WHEN 'm' THEN 'materialized view ' ELSE 'view ' END || r.qualified, jsonb_build_object(
    'definition', ${capped('pg_get_viewdef(r.oid)')}, 'options', to_jsonb(r.reloptions))
  FROM rel r WHERE r.relkind IN ('v', 'm')
  UNION ALL
  SELECT 'function ' || s.nspname || '.' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')',
    jsonb_build_object(
      'kind', CASE p.prokind WHEN 'f' THEN 'function' WHEN 'p' THEN 'procedure' WHEN 'a' THEN 'aggregate' WHEN 'w' THEN 'window' END,
      'returns', pg_get_function_result(p.oid), 'language', l.lanname, 'volatility', p.provolatile::text,
      'strict', p.proisstrict, 'securityDefiner', p.prosecdef, 'leakproof', p.proleakproof, 'parallel', p.proparallel::text,
      'config', to_jsonb(p.proconfig), 'source', ${capped('p.prosrc')})
  FROM pg_proc p JOIN scope s ON s.oid = p.pronamespace JOIN pg_language l ON l.oid = p.prolang
  WHERE NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_proc'::regclass AND e.objid = p.oid AND e.deptype = 'e')
  UNION ALL
  SELECT 'trigger ' || r.qualified || '.' || tg.tgname, jsonb_build_object(
    'definition', ${capped('pg_get_triggerdef(tg.oid)')}, 'enabled', tg.tgenabled::text)
  FROM pg_trigger tg JOIN rel r ON r.oid = tg.tgrelid
  WHERE NOT tg.tgisinternal AND tg.tgparentid = 0
  UNION ALL
  SELECT 'type ' || s.nspname || '.' || t.typname, CASE t.typtype
    WHEN 'e' THEN jsonb_build_object('kind', 'enum',
      'labels', (SELECT jsonb_agg(en.enumlabel ORDER BY en.enumsortorder) FROM pg_enum en WHERE en.enumtypid = t.oid))
    ELSE jsonb_build_object('kind', 'domain', 'baseType', format_type(t.typbasetype, t.typtypmod),
      'notNull', t.typnotnull, 'default', ${capped('t.typdefault')},
      'constraints', (SELECT jsonb_object_agg(dc.conname, ${capped('pg_get_constraintdef(dc.oid)')})
        FROM pg_constraint dc WHERE dc.contypid = t.oid AND dc.contype = 'c')) END
  FROM pg_type t JOIN scope s ON s.oid = t.typnamespace
  WHERE t.typtype IN ('e', 'd')
    AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_type'::regclass AND e.objid = t.oid AND e.deptype = 'e')
  UNION ALL
  SELECT 'extension ' || x.extname, jsonb_build_object('version', x.extversion, 'schema', xn.nspname)
  FROM pg_extension x JOIN pg_namespace xn ON xn.oid = x.extnamespace
)`;
}
