/**
 * Runs one bound statement on a connection and returns its result as raw text with column types, so
 * that `result-mapping.ts` can map each value exactly by type OID (no `pg` type parsing in between).
 */
import type pg from 'pg';
import type { BoundStatement } from './parameters';
import type { ResultColumn } from './result-mapping';
import type { ColumnType, TypeCatalog } from './type-catalog';

export interface StatementResult {
  /** Columns of the result set; empty for a statement without one (DDL, plain INSERT). */
  readonly columns: ResultColumn[];
  /** Rows as PostgreSQL printed them (text format), NULL as null. */
  readonly rows: (string | null)[][];
  /** The type of each column, resolved through the database's type catalog. */
  readonly types: ColumnType[];
  /** The command tag's verb: `SELECT`, `INSERT`, `CREATE`, ... */
  readonly command: string;
  /** Rows changed: the command tag's count for INSERT/UPDATE/DELETE/MERGE, 0 for anything else. */
  readonly rowsUpdated: number;
}

const UPDATING_COMMANDS: ReadonlySet<string> = new Set(['INSERT', 'UPDATE', 'DELETE', 'MERGE']);

const rawText = (value: string): string => value;

/**
 * Runs `bound` with the extended query protocol (one statement, typed parameters, as JDBC does),
 * reading every value as text.
 * @throws the `pg` error of a failed statement (a PostgreSQL error carries its SQLSTATE in `code`)
 */
export async function runStatement(client: pg.ClientBase, bound: BoundStatement, catalog: TypeCatalog): Promise<StatementResult> {
  // `types` serves `pg` twice: as the parameter type OIDs of the Parse message, and (through
  // getTypeParser) as the result parsers, here the identity so values stay as PostgreSQL sent them.
  const types = Object.assign([...bound.types], { getTypeParser: () => rawText });
  const result = await client.query({
    text: bound.text,
    values: bound.values,
    types: types as unknown as pg.CustomTypesConfig,
    rowMode: 'array',
    queryMode: 'extended',
  } as pg.QueryArrayConfig);
  const columns: ResultColumn[] = (result.fields ?? []).map((f) => ({ name: f.name, dataTypeID: f.dataTypeID, dataTypeModifier: f.dataTypeModifier }));
  const columnTypes = await catalog.resolve(
    columns.map((c) => c.dataTypeID),
    async (sql, values) => (await client.query(sql, values)).rows,
  );
  const command = result.command ?? '';
  return {
    columns,
    rows: result.rows as (string | null)[][],
    types: columnTypes,
    command,
    rowsUpdated: UPDATING_COMMANDS.has(command) ? (result.rowCount ?? 0) : 0,
  };
}
