/**
 * A database's schema and data as comparable text, to check that a run recovered after a fault to
 * exactly what a clean run leaves: every row of every table (as canonical jsonb text, multiset
 * compared) and every column, index (with validity) and constraint (with validation) of the schemas.
 */
import type { ScratchDatabase } from './scratch-database';

export interface DatabaseState {
  /** Per `schema.table`: each row as jsonb text without its volatile columns, sorted. */
  readonly tables: ReadonlyMap<string, readonly string[]>;
  /** Column, index and constraint descriptions, sorted. */
  readonly schema: readonly string[];
}

export interface CaptureOptions {
  /** @default ['public'] */
  readonly schemas?: readonly string[];
  /**
   * Columns left out per `schema.table`: values a re-run legitimately changes (ids drawn from a
   * sequence, which a rolled-back transaction advances too; timestamps of the run).
   */
  readonly volatileColumns?: Readonly<Record<string, readonly string[]>>;
}

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** Reads the state of `db` (see {@link DatabaseState}). */
export async function captureState(db: ScratchDatabase, options: CaptureOptions = {}): Promise<DatabaseState> {
  const schemas = [...(options.schemas ?? ['public'])];
  const { rows: relations } = await db.sql<{ schema: string; name: string }>(
    `SELECT n.nspname AS schema, c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = ANY($1) AND c.relkind IN ('r', 'p') ORDER BY 1, 2`,
    [schemas],
  );
  const tables = new Map<string, string[]>();
  for (const { schema, name } of relations) {
    const key = `${schema}.${name}`;
    const { rows } = await db.sql<{ row: string }>(`SELECT (to_jsonb(t) - $1::text[])::text AS row FROM ${quote(schema)}.${quote(name)} AS t`, [
      [...(options.volatileColumns?.[key] ?? [])],
    ]);
    tables.set(key, rows.map((r) => r.row).sort());
  }
  const { rows: schema } = await db.sql<{ line: string }>(
    `SELECT 'column ' || table_schema || '.' || table_name || '.' || column_name || ' ' || data_type || ' nullable=' || is_nullable || ' default=' || coalesce(column_default, '') AS line
       FROM information_schema.columns WHERE table_schema = ANY($1)
     UNION ALL
     SELECT 'index ' || n.nspname || '.' || c.relname || ' ' || pg_get_indexdef(i.indexrelid) || ' valid=' || i.indisvalid
       FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = ANY($1)
     UNION ALL
     SELECT 'constraint ' || n.nspname || '.' || co.conname || ' ' || pg_get_constraintdef(co.oid) || ' validated=' || co.convalidated
       FROM pg_constraint co JOIN pg_namespace n ON n.oid = co.connamespace WHERE n.nspname = ANY($1)
     ORDER BY 1`,
    [schemas],
  );
  return { tables, schema: schema.map((r) => r.line) };
}

export interface StateDifference {
  /** Rows of the expected state compared. */
  readonly rowsChecked: number;
  /** Expected rows missing from the actual state (or changed: a changed row is missing as it was). */
  readonly rowsLost: number;
  /** Rows of the actual state the expected one does not have (duplicates, stray rows). */
  readonly rowsExtra: number;
  /** Up to 5 examples of each, for the failure message (table and row). */
  readonly examples: string[];
  /** Schema lines only in the expected state (`-`) or only in the actual one (`+`). */
  readonly schema: string[];
}

function multisetDifference(a: readonly string[], b: readonly string[]): string[] {
  const counts = new Map<string, number>();
  for (const row of b) counts.set(row, (counts.get(row) ?? 0) + 1);
  const missing: string[] = [];
  for (const row of a) {
    const n = counts.get(row) ?? 0;
    if (n === 0) missing.push(row);
    else counts.set(row, n - 1);
  }
  return missing;
}

/** Compares `actual` with `expected`, table by table and row by row. */
export function compareStates(expected: DatabaseState, actual: DatabaseState): StateDifference {
  let rowsChecked = 0;
  let rowsLost = 0;
  let rowsExtra = 0;
  const examples: string[] = [];
  const tables = new Set([...expected.tables.keys(), ...actual.tables.keys()]);
  for (const table of tables) {
    const want = expected.tables.get(table) ?? [];
    const got = actual.tables.get(table) ?? [];
    rowsChecked += want.length;
    const lost = multisetDifference(want, got);
    const extra = multisetDifference(got, want);
    rowsLost += lost.length;
    rowsExtra += extra.length;
    for (const row of lost.slice(0, 5)) examples.push(`lost from ${table}: ${row}`);
    for (const row of extra.slice(0, 5)) examples.push(`extra in ${table}: ${row}`);
  }
  const schema = [
    ...multisetDifference(expected.schema, actual.schema).map((l) => `- ${l}`),
    ...multisetDifference(actual.schema, expected.schema).map((l) => `+ ${l}`),
  ];
  return { rowsChecked, rowsLost, rowsExtra, examples: examples.slice(0, 10), schema };
}
