import pg from 'pg';
import type { ManifestTable } from '../../../lambda/snapshot/manifest';
import type { TableObject } from './table-object';

const q = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * The rows of a table object, in its order, as objects keyed by column name with each value as PostgreSQL's
 * JSON of it (`row_to_json`; timestamptz in UTC, as the export writes it): `json` lines parsed as they are;
 * `record` lines read back by PostgreSQL (record_in) as a row type of the manifest's columns and types (a
 * temporary table, so the rows read whatever the table has become since), then rendered by `row_to_json`.
 * @param databaseUrl a database holding the columns' types
 */
export async function tableRowObjects(databaseUrl: string, table: Pick<ManifestTable, 'columns'>, object: Pick<TableObject, 'format' | 'lines'>): Promise<Record<string, unknown>[]> {
  if (object.format === 'json') return object.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('BEGIN');
    await client.query(`SET LOCAL TimeZone = 'UTC'`);
    await client.query(`CREATE TEMP TABLE snapshot_row (${table.columns.map((c) => `${q(c.name)} ${c.type}`).join(', ')}) ON COMMIT DROP`);
    const { rows } = await client.query(
      `SELECT row_to_json(r) AS row FROM (SELECT l::pg_temp.snapshot_row AS r, n FROM unnest($1::text[]) WITH ORDINALITY AS u (l, n) OFFSET 0) AS x ORDER BY n`,
      [object.lines],
    );
    await client.query('COMMIT');
    return rows.map((r: { row: Record<string, unknown> }) => r.row);
  } finally {
    await client.end();
  }
}
