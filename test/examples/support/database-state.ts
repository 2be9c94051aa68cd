/**
 * What the example tests read from PostgreSQL directly (never through the function under test): row
 * counts, the schema's shape, data digests, query plans, and probes that change nothing.
 */
import pg from 'pg';
import type { TestDatabase } from '../../support/database';

/** `"name"`, a quoted identifier. */
export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** The ordinary tables of schema `public`, by name. */
export async function publicTables(db: TestDatabase): Promise<string[]> {
  const { rows } = await db.sql(`SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                                  WHERE n.nspname = 'public' AND c.relkind = 'r' ORDER BY c.relname`);
  return rows.map((r: { name: string }) => r.name);
}

/** Exact row count (count(*)) of every table of `public`, keyed `public.<table>` as manifests name them. */
export async function rowCounts(db: TestDatabase): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of await publicTables(db)) {
    const { rows } = await db.sql(`SELECT count(*)::int AS n FROM public.${quoteIdentifier(table)}`);
    counts[`public.${table}`] = rows[0].n;
  }
  return counts;
}

/** The objects of schema `public` a rollback must give back, each as one sorted line of text. */
export interface SchemaShape {
  /** `table.column type [NOT NULL] [DEFAULT expr]`. */
  readonly columns: string[];
  /** `pg_get_indexdef` of every index. */
  readonly indexes: string[];
  /** `table.constraint: definition [NOT VALID]`. */
  readonly constraints: string[];
}

/** Reads the {@link SchemaShape} of `public` from the catalog. */
export async function schemaShape(db: TestDatabase): Promise<SchemaShape> {
  const columns = await db.sql(
    `SELECT c.relname || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
            || CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE '' END
            || coalesce(' DEFAULT ' || pg_get_expr(d.adbin, d.adrelid), '') AS line
       FROM pg_attribute a
       JOIN pg_class c ON c.oid = a.attrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
       LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
      WHERE n.nspname = 'public' AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
      ORDER BY 1`,
  );
  const indexes = await db.sql(`SELECT indexdef AS line FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1`);
  const constraints = await db.sql(
    `SELECT c.relname || '.' || con.conname || ': ' || pg_get_constraintdef(con.oid)
            || CASE WHEN con.convalidated THEN '' ELSE ' NOT VALID' END AS line
       FROM pg_constraint con
       JOIN pg_class c ON c.oid = con.conrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public'
      ORDER BY 1`,
  );
  const lines = (result: pg.QueryResult): string[] => result.rows.map((r: { line: string }) => r.line);
  return { columns: lines(columns), indexes: lines(indexes), constraints: lines(constraints) };
}

/** A table's data at one moment: the columns it had and an md5 over its rows in primary key order. */
export interface TableDigest {
  readonly columns: string[];
  readonly digest: string;
}

async function primaryKey(db: TestDatabase, table: string): Promise<string[]> {
  const { rows } = await db.sql(
    `SELECT a.attname AS name FROM pg_index i
       CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
       JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
      WHERE i.indrelid = $1::regclass AND i.indisprimary ORDER BY k.ord`,
    [`public.${quoteIdentifier(table)}`],
  );
  if (rows.length === 0) throw new Error(`table ${table} has no primary key to order its rows by`);
  return rows.map((r: { name: string }) => r.name);
}

/**
 * md5 over a table's rows restricted to `columns` (each row as PostgreSQL's text of `ROW(...)`),
 * in primary key order: equal digests mean equal data in those columns.
 * @param where a condition selecting the rows digested (SQL, e.g. `id <= 12000`) @default every row
 * @throws Error when the table has no primary key, or a column does not exist (42703)
 */
export async function tableDigest(db: TestDatabase, table: string, columns: readonly string[], where = 'true'): Promise<string> {
  const key = (await primaryKey(db, table)).map(quoteIdentifier).join(', ');
  const list = columns.map(quoteIdentifier).join(', ');
  const { rows } = await db.sql(
    `SELECT md5(coalesce(string_agg((ROW(${list}))::text, E'\\n' ORDER BY ${key}), '')) AS digest FROM public.${quoteIdentifier(table)} WHERE ${where}`,
  );
  return rows[0].digest;
}

/** The {@link TableDigest} of every table of `public`, over all its current columns. */
export async function dataDigests(db: TestDatabase): Promise<Record<string, TableDigest>> {
  const digests: Record<string, TableDigest> = {};
  for (const table of await publicTables(db)) {
    const { rows } = await db.sql(
      `SELECT attname AS name FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum`,
      [`public.${quoteIdentifier(table)}`],
    );
    const columns = rows.map((r: { name: string }) => r.name);
    digests[table] = { columns, digest: await tableDigest(db, table, columns) };
  }
  return digests;
}

/**
 * Digests of the tables in `before`, now, over the columns each had then: equal to `before` when
 * every row that existed is still there with the same values in those columns (new columns ignored).
 */
export async function digestsOver(db: TestDatabase, before: Record<string, TableDigest>): Promise<Record<string, TableDigest>> {
  const now: Record<string, TableDigest> = {};
  for (const [table, { columns }] of Object.entries(before)) {
    now[table] = { columns, digest: await tableDigest(db, table, columns) };
  }
  return now;
}

/**
 * The tables whose digest (or column list) differs between two {@link dataDigests}, or that only one
 * of them has, sorted: which tables a step changed.
 */
export function changedTables(before: Record<string, TableDigest>, now: Record<string, TableDigest>): string[] {
  const tables = new Set([...Object.keys(before), ...Object.keys(now)]);
  return [...tables].filter((t) => JSON.stringify(before[t]) !== JSON.stringify(now[t])).sort();
}

/** The outcome of a probe: its rows, or the SQLSTATE it failed with. */
export type ProbeResult = { readonly ok: true; readonly rows: Record<string, unknown>[] } | { readonly ok: false; readonly code: string; readonly message: string };

/**
 * Runs statements in one transaction that is always rolled back, on a connection of its own: for
 * the guide's checks that write (a constraint rejecting bad data, a row the application would
 * insert), so the database keeps the data the rollback is compared with.
 * @param statements run in order; the result is the last one's rows, or the first error
 */
export async function probe(db: TestDatabase, ...statements: Array<string | { text: string; values: unknown[] }>): Promise<ProbeResult> {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    await client.query('BEGIN');
    let rows: Record<string, unknown>[] = [];
    for (const statement of statements) {
      const result = typeof statement === 'string' ? await client.query(statement) : await client.query(statement.text, statement.values);
      rows = result.rows;
    }
    return { ok: true, rows };
  } catch (error) {
    const e = error as { code?: string; message?: string };
    return { ok: false, code: e.code ?? 'unknown', message: e.message ?? String(error) };
  } finally {
    await client.query('ROLLBACK').catch(() => undefined);
    await client.end();
  }
}

interface PlanNode {
  'Index Name'?: string;
  Plans?: PlanNode[];
}

/**
 * The indexes PostgreSQL's plan for `sql` reads (EXPLAIN (FORMAT JSON), not executed).
 * @param options.seqscan false runs the EXPLAIN with `enable_seqscan = off`: for a table so small at
 *   the example's volume that a sequential scan is cheaper, this shows whether an index can answer
 *   the query (a partial index whose predicate the query implies, an operator class that matches)
 */
export async function plannedIndexes(db: TestDatabase, sql: string, options: { seqscan?: boolean } = {}): Promise<string[]> {
  const statements = options.seqscan === false ? ['SET LOCAL enable_seqscan = off'] : [];
  const result = await probe(db, ...statements, `EXPLAIN (FORMAT JSON) ${sql}`);
  if (!result.ok) throw new Error(`EXPLAIN failed with ${result.code}: ${result.message}`);
  const plan = (result.rows[0]!['QUERY PLAN'] as Array<{ Plan: PlanNode }>)[0]!.Plan;
  const names: string[] = [];
  const walk = (node: PlanNode): void => {
    if (node['Index Name']) names.push(node['Index Name']);
    node.Plans?.forEach(walk);
  };
  walk(plan);
  return names;
}
