import type { Driver } from '../../driver/driver';
import type { TableName } from '../keys';
import type { ManifestTable } from '../manifest';
import type { SnapshotLocation } from '../snapshot-location';
import { loadOrder } from './load-order';
import { tableKey } from './restore-catalog';
import { checkSnapshot, checkTarget, chooseTransaction, refusalsOf, type CheckedTarget, type RestoreTransaction } from './restore-checks';

export interface PlanRestoreOptions extends Omit<SnapshotLocation, 'database'> {
  /** The database a restore would go into. */
  readonly driver: Driver;
  readonly snapshotId: string;
  /** The database the snapshot was taken of. @default driver.database */
  readonly sourceDatabase?: string;
  /** A copy into this new schema instead (see `restoreSnapshot`): it must not exist. @default in place */
  readonly targetSchema?: string;
  /** The target's current schema version: a snapshot of another version is refused (see `restoreSnapshot`). */
  readonly currentSchemaVersion?: string | null;
  /**
   * Migrations bring the target's schema to the snapshot's version before the load (a copy into another
   * database: `runRestore`'s `targetDatabase`), so its tables may not exist yet: they are planned from the
   * manifest, as a new schema's are (no rows now, no triggers, no sequences, the manifest's order: the
   * target's foreign keys exist only once the migrations have run), and the target is not checked.
   * @default false
   */
  readonly migratesFirst?: boolean;
  /** As `restoreSnapshot`'s. @default 'auto' */
  readonly transaction?: RestoreTransaction;
  /** As `restoreSnapshot`'s, bytes. @default 1 GiB */
  readonly singleTransactionMaxBytes?: number;
}

/** One table of a restore plan, in load order. */
export interface PlannedTable extends TableName {
  /** Rows the snapshot holds for it. */
  readonly rows: number;
  /** Bytes of its lines (uncompressed). */
  readonly bytes: number;
  /**
   * Rows it holds now, as `pg_class.reltuples` estimates them (no count is run: the plan reads the catalog
   * only), -1 when never analysed (PostgreSQL 14+); absent for a table of a new schema.
   */
  readonly rowsNow?: number;
  /** User triggers the restore disables while it loads the table. */
  readonly triggersDisabled: string[];
  /**
   * Loaded with the other tables of its foreign-key cycle: the cycle's keys (`schema.table.constraint`),
   * deferred for the load (made `DEFERRABLE` for its transaction when they are not).
   */
  readonly cycle?: string[];
}

/** What a restore of a snapshot would do, changing nothing (`planRestore`). */
export interface RestorePlanReport {
  readonly snapshotId: string;
  /** The database a restore would go into. */
  readonly database: string;
  /** The database the snapshot was taken of. */
  readonly sourceDatabase: string;
  /** For a copy into a new schema: that schema, created by the restore. */
  readonly schema?: string;
  /** The snapshot's schema version. */
  readonly schemaVersion: string | null;
  /** When the snapshot was taken (ISO 8601), and how long its export took, ms. */
  readonly createdAt: string;
  readonly snapshotDurationMs: number;
  /** One transaction, or one per table (`restoreSnapshot`'s `transaction`). */
  readonly transaction: 'single' | 'per-table';
  /** The tables a restore empties and loads, in load order (parents before children). */
  readonly tables: PlannedTable[];
  /** Sequences reset to their snapshot values, as `schema.name`. */
  readonly sequences: string[];
  /** Tables of the snapshot not restored: the schema history's own. */
  readonly skipped: TableName[];
  readonly totalRows: number;
  /** Bytes of lines a restore loads. */
  readonly totalBytes: number;
}

/**
 * A dry run of `restoreSnapshot`: makes every check a restore makes before it changes anything (the
 * snapshot complete and matching its manifest, its schema version, a new schema's name, the target's
 * tables, columns, sequences and foreign keys) and refuses as the restore would, with the same
 * {@link RestoreError}; otherwise says what a restore would do: the tables it would empty and load, in
 * load order, with the rows and bytes of each, the rows they hold now (the catalog's estimate), the
 * triggers it would disable, the foreign-key cycles it would defer, the sequences it would reset, and
 * whether it would run in one transaction. Reads only: it takes no lock and creates nothing, not even
 * `targetSchema` (whose tables are planned from the manifest, as those of a target whose migrations run
 * first are: `migratesFirst`).
 * @throws {RestoreError} when a restore would be refused (`nothing was changed`, as the restore says)
 * @throws {Error} naming the option for a malformed `transaction`
 */
export async function planRestore(options: PlanRestoreOptions): Promise<RestorePlanReport> {
  const { driver, snapshotId } = options;
  const refuse = refusalsOf(snapshotId);
  const sourceDatabase = options.sourceDatabase ?? driver.database;
  const location: SnapshotLocation = { s3: options.s3, bucket: options.bucket, prefix: options.prefix ?? '', database: sourceDatabase };
  const { manifest, tables, skipped } = await checkSnapshot(location, snapshotId, options, refuse);
  // A new schema's tables do not exist yet: they are made from the manifest, with no foreign key, trigger or
  // sequence; nor do those of a database whose migrations run first.
  const target: CheckedTarget | undefined =
    options.targetSchema === undefined && options.migratesFirst !== true ? await checkTarget(driver, tables, refuse) : undefined;
  const units = target?.units ?? loadOrder(tables, []);
  const rowsNow = target ? await estimatedRows(driver, tables) : undefined;
  const totalBytes = tables.reduce((sum, t) => sum + t.bytes, 0);
  const planned: PlannedTable[] = units.flatMap((unit) =>
    unit.tables.map((table) => {
      const triggers = target?.catalog.tables.get(tableKey(table))?.userTriggers ?? [];
      const now = rowsNow?.get(tableKey(table));
      return {
        schema: table.schema, table: table.table, rows: table.rowCount, bytes: table.bytes,
        ...(now !== undefined ? { rowsNow: now } : {}),
        triggersDisabled: [...triggers],
        ...(unit.cyclicKeys.length > 0 ? { cycle: [...new Set(unit.cyclicKeys.map((k) => `${k.from.schema}.${k.from.table}.${k.name}`))] } : {}),
      };
    }),
  );
  return {
    snapshotId,
    database: driver.database,
    sourceDatabase,
    ...(options.targetSchema !== undefined ? { schema: options.targetSchema } : {}),
    schemaVersion: manifest.schemaVersion,
    createdAt: manifest.createdAt,
    snapshotDurationMs: manifest.durationMs,
    transaction: chooseTransaction(options, totalBytes),
    tables: planned,
    sequences: (target?.sequences ?? []).map((s) => `${s.schema}.${s.name}`),
    skipped,
    totalRows: tables.reduce((sum, t) => sum + t.rowCount, 0),
    totalBytes,
  };
}

/**
 * `pg_class.reltuples` of `tables` by `tableKey`: a partitioned table's is the sum over its leaf partitions
 * (`pg_partition_tree`, PostgreSQL 12+, each never-analysed leaf counted 0); -1 for a plain table never
 * analysed (PostgreSQL 14+; 0 before).
 */
async function estimatedRows(driver: Driver, tables: readonly ManifestTable[]): Promise<Map<string, number>> {
  const { rows } = await driver.execute(
    `SELECT t.schema, t.name,
            (CASE WHEN c.relkind = 'p'
                  THEN (SELECT coalesce(sum(greatest(p.reltuples, 0)), 0) FROM pg_partition_tree(c.oid) AS tree JOIN pg_class p ON p.oid = tree.relid WHERE tree.isleaf)
                  ELSE c.reltuples END)::float8 AS estimate
       FROM json_to_recordset(:tables::json) AS t(schema text, name text)
       JOIN pg_namespace n ON n.nspname = t.schema
       JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = t.name`,
    { tables: JSON.stringify(tables.map((t) => ({ schema: t.schema, name: t.table }))) },
  );
  return new Map(rows.map((row) => [tableKey({ schema: String(row.schema), table: String(row.name) }), Math.max(-1, Math.round(Number(row.estimate)))]));
}
