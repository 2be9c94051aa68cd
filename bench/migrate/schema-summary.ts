/**
 * What the benchmark compares between the database rds-migrate migrated and the one psql did:
 * counts of the public schema's tables, indexes, constraints by type and rows, so a run that skipped
 * or doubled anything is caught.
 */
import pg from 'pg';

export interface SchemaSummary {
  readonly tables: number;
  readonly indexes: number;
  readonly constraints: Record<string, number>;
  readonly rows: number;
  readonly doneRows: number;
}

/** Reads the summary of the `public` schema of the database at `url`. */
export async function schemaSummary(url: string): Promise<SchemaSummary> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const tables = await client.query<{ relname: string }>(
      "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind = 'r' ORDER BY 1",
    );
    const indexes = await client.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_indexes WHERE schemaname = 'public'");
    const constraints = await client.query<{ contype: string; n: number }>(
      `SELECT contype, count(*)::int AS n FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
       WHERE n.nspname = 'public' GROUP BY contype ORDER BY contype`,
    );
    let rows = 0;
    let doneRows = 0;
    for (const { relname } of tables.rows) {
      const r = await client.query<{ n: number; done: number }>(
        `SELECT count(*)::int AS n, count(*) FILTER (WHERE status = 'done')::int AS done FROM public."${relname}"`,
      );
      rows += r.rows[0]!.n;
      doneRows += r.rows[0]!.done;
    }
    return {
      tables: tables.rows.length,
      indexes: indexes.rows[0]!.n,
      constraints: Object.fromEntries(constraints.rows.map((r) => [r.contype, r.n])),
      rows,
      doneRows,
    };
  } finally {
    await client.end();
  }
}
