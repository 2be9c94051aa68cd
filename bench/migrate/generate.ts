/**
 * The benchmark's migrations: a generated set in the native layout (`<version>_<name>/up.sql`), the
 * kinds a real schema history is made of, in a repeating cycle of four per table group:
 * 1. a table (identity key, text, numeric, timestamptz, a CHECK constraint);
 * 2. indexes on it (a plain and a partial one);
 * 3. constraints: a foreign key column to the previous table's key, a UNIQUE constraint, a NOT NULL;
 * 4. data: rows inserted with generate_series, then an UPDATE over them.
 * Every file runs in one transaction under psql as under rds-migrate (no CONCURRENTLY), so both sides
 * apply exactly the same SQL.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface GeneratedSet {
  /** The folder written. */
  readonly dir: string;
  /** Up scripts in version order: folder name and SQL text. */
  readonly files: ReadonlyArray<{ readonly folder: string; readonly sql: string }>;
  /** Statements over all files. */
  readonly statements: number;
}

/** Rows inserted by each data migration. */
export const ROWS_PER_DATA_MIGRATION = 200;

function group(i: number): Array<{ name: string; statements: string[] }> {
  const t = `bench_item_${String(i).padStart(3, '0')}`;
  const previous = i > 0 ? `bench_item_${String(i - 1).padStart(3, '0')}` : undefined;
  return [
    {
      name: `create_${t}`,
      statements: [
        `CREATE TABLE ${t} (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  code text NOT NULL,
  amount numeric(12, 2) NOT NULL DEFAULT 0 CHECK (amount >= 0),
  status text NOT NULL DEFAULT 'new',
  created_at timestamptz NOT NULL DEFAULT now()
)`,
        `COMMENT ON TABLE ${t} IS 'benchmark table ${i}'`,
      ],
    },
    {
      name: `index_${t}`,
      statements: [`CREATE INDEX ${t}_code_idx ON ${t} (code)`, `CREATE INDEX ${t}_open_idx ON ${t} (created_at) WHERE status <> 'done'`],
    },
    {
      name: `constrain_${t}`,
      statements: [
        previous ? `ALTER TABLE ${t} ADD COLUMN parent_id bigint REFERENCES ${previous} (id)` : `ALTER TABLE ${t} ADD COLUMN parent_id bigint`,
        `ALTER TABLE ${t} ADD CONSTRAINT ${t}_code_key UNIQUE (code)`,
        `ALTER TABLE ${t} ALTER COLUMN parent_id SET DEFAULT NULL`,
      ],
    },
    {
      name: `seed_${t}`,
      statements: [
        `INSERT INTO ${t} (code, amount) SELECT 'c' || g, g * 1.5 FROM generate_series(1, ${ROWS_PER_DATA_MIGRATION}) AS g`,
        `UPDATE ${t} SET status = 'done' WHERE id % 3 = 0`,
      ],
    },
  ];
}

/**
 * Writes `count` migrations (rounded up to whole groups of four) into `dir`.
 * @param count at least 4
 * @throws {Error} when `count` is not a whole number of at least 4
 */
export async function generateMigrations(dir: string, count: number): Promise<GeneratedSet> {
  if (!Number.isInteger(count) || count < 4) throw new Error(`count must be a whole number >= 4, got ${count}`);
  const files: Array<{ folder: string; sql: string }> = [];
  let statements = 0;
  for (let i = 0; files.length < count; i++) {
    for (const migration of group(i)) {
      const version = String(files.length + 1).padStart(4, '0');
      const folder = `${version}_${migration.name}`;
      const sql = migration.statements.map((s) => `${s};\n`).join('\n');
      await mkdir(path.join(dir, folder), { recursive: true });
      await writeFile(path.join(dir, folder, 'up.sql'), sql);
      files.push({ folder, sql });
      statements += migration.statements.length;
    }
  }
  return { dir, files, statements };
}
