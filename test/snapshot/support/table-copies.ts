import type { TestDatabase } from '../../support/database';

const q = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** A table to compare: name, and whether to read it with ONLY (plain tables) or whole (partitioned). */
export interface ComparedTable {
  readonly schema: string;
  readonly table: string;
  readonly kind: 'table' | 'partitioned';
}

/**
 * The tables of `schemas` (plain and partitioned; partitions through their parent) with their kind,
 * as the snapshot sees them.
 */
export async function tablesOf(db: TestDatabase, schemas: string[]): Promise<ComparedTable[]> {
  const { rows } = await db.sql(
    `SELECT n.nspname AS schema, c.relname AS table, CASE c.relkind WHEN 'p' THEN 'partitioned' ELSE 'table' END AS kind
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = ANY($1) AND c.relkind IN ('r', 'p') AND NOT c.relispartition
      ORDER BY 1, 2`,
    [schemas],
  );
  return rows as ComparedTable[];
}

/** Every column of the table (generated ones included) as text, json through jsonb (only its whitespace may change). */
async function columnsAsText(db: TestDatabase, table: ComparedTable): Promise<string> {
  const { rows } = await db.sql(
    `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type FROM pg_attribute a
      WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
    [`${q(table.schema)}.${q(table.table)}`],
  );
  const exprs = (rows as { name: string; type: string }[]).map((c) => (c.type === 'json' ? `(x.${q(c.name)})::jsonb::text` : `(x.${q(c.name)})::text`));
  return exprs.length > 0 ? exprs.join(', ') : `'(no columns)'`;
}

/** Copies each table's rows (and, for a partitioned table, the partition each row is in) into `schema`.`<schema>__<table>`. */
export async function copyTables(db: TestDatabase, tables: ComparedTable[], into: string): Promise<void> {
  await db.sql(`DROP SCHEMA IF EXISTS ${q(into)} CASCADE; CREATE SCHEMA ${q(into)}`);
  for (const table of tables) {
    const cols = await columnsAsText(db, table);
    await db.sql(
      `CREATE TABLE ${q(into)}.${q(`${table.schema}__${table.table}`)} AS
       SELECT ${cols}, x.tableoid::regclass::text AS partition FROM ${table.kind === 'table' ? 'ONLY ' : ''}${q(table.schema)}.${q(table.table)} AS x`,
    );
  }
}

/**
 * Compares a table with its copy row by row, every column as text and the partition of each row, as
 * multisets: rows missing from the table and rows it has that the copy has not.
 */
export async function diffWithCopy(db: TestDatabase, table: ComparedTable, copies: string): Promise<{ missing: number; extra: number; rows: number }> {
  const cols = await columnsAsText(db, table);
  const { rows } = await db.sql(
    `WITH now AS (SELECT ${cols}, x.tableoid::regclass::text AS partition FROM ${table.kind === 'table' ? 'ONLY ' : ''}${q(table.schema)}.${q(table.table)} AS x),
          before AS (SELECT * FROM ${q(copies)}.${q(`${table.schema}__${table.table}`)})
     SELECT (SELECT count(*) FROM (SELECT * FROM before EXCEPT ALL SELECT * FROM now) m)::int AS missing,
            (SELECT count(*) FROM (SELECT * FROM now EXCEPT ALL SELECT * FROM before) e)::int AS extra,
            (SELECT count(*) FROM now)::int AS rows`,
  );
  return rows[0] as { missing: number; extra: number; rows: number };
}
