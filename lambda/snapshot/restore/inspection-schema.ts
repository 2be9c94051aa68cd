/**
 * A restore into a new schema of the same database, for inspection (`restoreSnapshot`'s `targetSchema`):
 * the snapshot's tables recreated there from the manifest, so that its rows can be read next to the live
 * ones (`SELECT * FROM inspect.customer EXCEPT SELECT * FROM public.customer`) without touching them.
 *
 * The tables are made from the manifest, not by applying the migrations: a migration names its schemas
 * (`public.customer`, `CREATE EXTENSION`, grants), so applying it "into another schema" of the live
 * database could change the live schema. Each table gets the snapshot's columns with their types exactly
 * (`format_type`, typmods included, so every value reads back as it was exported) and its key columns as
 * primary key; nothing else (no other constraint, index, default, trigger, sequence or foreign key): an
 * inspection copy, not a second application.
 */
import type { Driver } from '../../driver/driver';
import { qualifiedName, quoteIdentifier } from '../../driver/quote-identifier';
import type { TableName } from '../keys';
import type { ManifestTable } from '../manifest';

/** PostgreSQL's longest identifier, bytes (NAMEDATALEN - 1; PostgreSQL docs 4.1.1 "Identifiers and Key Words"). */
const MAX_IDENTIFIER_BYTES = 63;

/**
 * Why `schema` cannot be an inspection schema, or undefined when it can: not empty, at most 63 bytes,
 * not `pg_*` (reserved, PostgreSQL docs 5.9.5 "The System Catalog Schema") nor `rds_migrate` (ours).
 */
export function inspectionSchemaProblem(schema: string): string | undefined {
  if (schema.length === 0) return 'is empty';
  if (Buffer.byteLength(schema) > MAX_IDENTIFIER_BYTES) return `is longer than PostgreSQL's ${MAX_IDENTIFIER_BYTES} bytes for a name`;
  if (schema.startsWith('pg_')) return 'starts with pg_, which PostgreSQL reserves for system schemas';
  if (schema === 'rds_migrate') return "is rds-migrate's own schema";
  if (schema.includes('\0')) return 'holds a NUL character';
  return undefined;
}

/**
 * `tables` as they are restored into `schema`: the same objects and columns, each table in `schema` under
 * its own name, a plain table (a partitioned one's object holds every partition's rows), no sequences.
 * @throws {Error} naming the tables when two of them (from different schemas) have the same name
 */
export function inspectionTables(tables: readonly ManifestTable[], schema: string): ManifestTable[] {
  const byName = new Map<string, TableName[]>();
  for (const t of tables) byName.set(t.table, [...(byName.get(t.table) ?? []), t]);
  const clashes = [...byName.values()].filter((same) => same.length > 1);
  if (clashes.length > 0) {
    const named = clashes.map((same) => same.map((t) => qualifiedName(t.schema, t.table)).join(' and ')).join('; ');
    throw new Error(`the snapshot has tables of the same name in different schemas (${named}): they cannot share one schema; restore into another database instead`);
  }
  return tables.map((t) => ({ ...t, schema, kind: 'table', sequences: [] }));
}

/** Whether `schema` exists in `driver`'s database. */
export async function schemaExists(driver: Driver, schema: string): Promise<boolean> {
  const { rows } = await driver.execute<{ n: number }>('SELECT count(*)::int AS n FROM pg_namespace WHERE nspname = :schema', { schema });
  return Number(rows[0]?.n ?? 0) > 0;
}

/** `CREATE TABLE` of one inspection table: its columns and types, its key columns as primary key. */
export function inspectionTableStatement(table: ManifestTable): string {
  const columns = table.columns.map((c) => `${quoteIdentifier(c.name)} ${c.type}`);
  if (table.keyColumns && table.keyColumns.length > 0) columns.push(`PRIMARY KEY (${table.keyColumns.map(quoteIdentifier).join(', ')})`);
  return `CREATE TABLE ${qualifiedName(table.schema, table.table)} (${columns.join(', ')})`;
}

/**
 * Creates `schema` and its `tables` (from {@link inspectionTables}) in one transaction: all of them or,
 * on an error, none.
 * @throws the driver's error (the schema exists after all, a column type that no longer exists)
 */
export async function createInspectionSchema(driver: Driver, schema: string, tables: readonly ManifestTable[]): Promise<void> {
  const tx = await driver.beginTransaction();
  try {
    await tx.execute(`CREATE SCHEMA ${quoteIdentifier(schema)}`);
    for (const table of tables) await tx.execute(inspectionTableStatement(table));
  } catch (error) {
    await tx.rollback().catch(() => undefined);
    throw error;
  }
  await tx.commit();
}

/**
 * Drops what {@link createInspectionSchema} created, after a failed restore: its tables, then the schema
 * if nothing else is in it (`RESTRICT`: an object someone else created there meanwhile is kept, and the
 * schema with it).
 * @returns whether the schema is gone
 */
export async function dropInspectionSchema(driver: Driver, schema: string, tables: readonly ManifestTable[]): Promise<boolean> {
  try {
    if (tables.length > 0) await driver.execute(`DROP TABLE IF EXISTS ${tables.map((t) => qualifiedName(t.schema, t.table)).join(', ')}`);
    await driver.execute(`DROP SCHEMA IF EXISTS ${quoteIdentifier(schema)} RESTRICT`);
    return true;
  } catch {
    return false;
  }
}
