import type { LineFormat } from '../../../lambda/snapshot/line-format';
import type { ManifestTable } from '../../../lambda/snapshot/manifest';
import type { TestDatabase } from '../../support/database';

const q = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * Compares `lines` with the table's current rows as multisets: `record` lines as text with the table's rows
 * rendered as the export renders them (`ROW(cols)::text`, so every value's text is compared exactly);
 * `json` lines as {@link compareJsonWithTable} does. Both counts 0 means the lines hold exactly the
 * table's rows.
 */
export async function compareWithTable(
  db: TestDatabase,
  table: ManifestTable,
  lines: string[],
  format: LineFormat = 'record',
): Promise<{ missing: number; extra: number; sourceRows: number; restoredRows: number }> {
  if (format === 'json') return compareJsonWithTable(db, table, lines);
  const only = table.kind === 'table' ? 'ONLY ' : '';
  const { rows } = await db.sql(
    `WITH a AS (SELECT ROW(${table.columns.map((c) => `x.${q(c.name)}`).join(', ')})::text AS l FROM ${only}${q(table.schema)}.${q(table.table)} AS x),
          b AS (SELECT unnest($1::text[]) AS l)
     SELECT (SELECT count(*) FROM (SELECT * FROM a EXCEPT ALL SELECT * FROM b) AS m)::int AS missing,
            (SELECT count(*) FROM (SELECT * FROM b EXCEPT ALL SELECT * FROM a) AS e)::int AS extra,
            (SELECT count(*) FROM a)::int AS "sourceRows",
            (SELECT count(*) FROM b)::int AS "restoredRows"`,
    [lines],
  );
  return rows[0] as { missing: number; extra: number; sourceRows: number; restoredRows: number };
}

/**
 * Reloads JSON `lines` the way restore will (`json_populate_recordset` over the table's row type) and
 * compares the result with the table's current rows as multisets, column by column in each type's text
 * form (`json` through jsonb: only the whitespace of json values may change). Counts rows present on one
 * side and not the other; both 0 means the lines hold exactly the table's rows.
 */
async function compareJsonWithTable(
  db: TestDatabase,
  table: ManifestTable,
  lines: string[],
): Promise<{ missing: number; extra: number; sourceRows: number; restoredRows: number }> {
  const name = `${q(table.schema)}.${q(table.table)}`;
  const exprs = table.columns
    .map((c) => (c.type === 'json' ? `(x.${q(c.name)})::jsonb::text` : `(x.${q(c.name)})::text`))
    .join(', ');
  const select = exprs.length > 0 ? exprs : 'true';
  const only = table.kind === 'table' ? 'ONLY ' : '';
  const { rows } = await db.sql(
    `WITH a AS (SELECT ${select} FROM ${only}${name} AS x),
          b AS (SELECT ${select} FROM json_populate_recordset(NULL::${name}, $1::json) AS x)
     SELECT (SELECT count(*) FROM (SELECT * FROM a EXCEPT ALL SELECT * FROM b) AS m)::int AS missing,
            (SELECT count(*) FROM (SELECT * FROM b EXCEPT ALL SELECT * FROM a) AS e)::int AS extra,
            (SELECT count(*) FROM a)::int AS "sourceRows",
            (SELECT count(*) FROM b)::int AS "restoredRows"`,
    [`[${lines.join(',')}]`],
  );
  return rows[0] as { missing: number; extra: number; sourceRows: number; restoredRows: number };
}
