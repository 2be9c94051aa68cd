import type { Driver } from '../../driver/driver';
import type { TableName } from '../keys';
import { ManifestError, type ManifestSequence, type ManifestTable, type SnapshotManifest } from '../manifest';
import { readManifest, SnapshotNotFoundError } from '../manifest-store';
import type { SnapshotLocation } from '../snapshot-location';
import { checkSnapshotObjects } from './check-snapshot-objects';
import { inspectionSchemaProblem, inspectionTables, schemaExists } from './inspection-schema';
import { loadOrder, type LoadUnit } from './load-order';
import { missingSequences, readTargetCatalog, restoreObstacles, type TargetCatalog } from './restore-catalog';
import { RestoreError, type RestoreFailureKind } from './restore-error';
import { assertSnapshotId } from '../snapshot-id';

/**
 * The checks a restore makes before it changes anything, shared by `restoreSnapshot` and `planRestore`
 * (a dry run): each refusal throws through `refuse`, a `RestoreError` saying that nothing was changed.
 */

/** Throws the restore's refusal: a `RestoreError` of `kind`, nothing changed. */
export type Refuse = (kind: RestoreFailureKind, message: string, cause?: unknown) => never;

/**
 * The refusals of a restore of `snapshotId` ("Restore of snapshot <id> refused: <message>; nothing was
 * changed"), once the id is checked: a malformed id is refused at once (`confirmation`).
 * @throws {RestoreError} when `snapshotId` is not a snapshot id
 */
export function refusalsOf(snapshotId: string): Refuse {
  const refuse: Refuse = (kind, message, cause) => {
    throw new RestoreError(`Restore of snapshot ${snapshotId} refused: ${message}; nothing was changed`, kind, snapshotId, false, cause ? { cause } : undefined);
  };
  try {
    assertSnapshotId(snapshotId);
  } catch (error) {
    refuse('confirmation', (error as Error).message);
  }
  return refuse;
}

/** The schema of rds-migrate's own bookkeeping: never restored, it describes the schema, not the data. */
export const HISTORY_SCHEMA = 'rds_migrate';

/** How the restore uses transactions (see `restoreSnapshot`). */
export type RestoreTransaction = 'single' | 'per-table' | 'auto';

/** Default of `singleTransactionMaxBytes`: `auto` restores up to 1 GiB of lines in one transaction. */
export const DEFAULT_SINGLE_TRANSACTION_MAX_BYTES = 1024 ** 3;

/** The snapshot as checked for a restore. */
export interface CheckedSnapshot {
  readonly manifest: SnapshotManifest;
  /** The tables to load (renamed into `targetSchema` when given), in the manifest's order. */
  readonly tables: ManifestTable[];
  /** Tables of the snapshot never restored: the schema history's own. */
  readonly skipped: TableName[];
}

/**
 * Reads the snapshot's manifest and checks it for a restore: refused (`snapshot`) when it is incomplete (no
 * manifest, an object missing) or does not match its manifest (a key, a size: `checkSnapshotObjects`);
 * refused (`database`) when it was taken at another schema version than `currentSchemaVersion` (when
 * given), or, with `targetSchema`, when that name is not one for a new schema, two tables would share a
 * name in it, or it exists already.
 */
export async function checkSnapshot(
  location: SnapshotLocation,
  snapshotId: string,
  target: { readonly driver: Driver; readonly currentSchemaVersion?: string | null; readonly targetSchema?: string },
  refuse: Refuse,
): Promise<CheckedSnapshot> {
  let manifest: SnapshotManifest;
  try {
    manifest = await readManifest({ ...location, snapshotId });
  } catch (error) {
    if (error instanceof SnapshotNotFoundError || error instanceof ManifestError) return refuse('snapshot', error.message, error);
    throw error;
  }
  if (target.currentSchemaVersion !== undefined && target.currentSchemaVersion !== manifest.schemaVersion) {
    refuse(
      'database',
      `the snapshot was taken at schema version ${manifest.schemaVersion ?? 'none'}, the database is at ${target.currentSchemaVersion ?? 'none'}: ` +
        `bring the database to version ${manifest.schemaVersion ?? 'none'} first (rollback or migrate), or restore into another database`,
    );
  }
  let tables = manifest.tables.filter((t) => t.schema !== HISTORY_SCHEMA);
  const skipped = manifest.tables.filter((t) => t.schema === HISTORY_SCHEMA).map((t) => ({ schema: t.schema, table: t.table }));
  const objectProblems = await checkSnapshotObjects(location, manifest);
  if (objectProblems.length > 0) refuse('snapshot', `the snapshot does not match its manifest: ${objectProblems.join('; ')}`);
  const targetSchema = target.targetSchema;
  if (targetSchema !== undefined) {
    const problem = inspectionSchemaProblem(targetSchema);
    if (problem) refuse('database', `targetSchema: ${JSON.stringify(targetSchema)} ${problem}`);
    try {
      tables = inspectionTables(tables, targetSchema);
    } catch (error) {
      refuse('database', (error as Error).message, error);
    }
    if (await schemaExists(target.driver, targetSchema)) {
      refuse('database', `targetSchema: schema "${targetSchema}" already exists in database "${target.driver.database}": a copy is restored into a new schema only, nothing is overwritten`);
    }
  }
  return { manifest, tables, skipped };
}

/** The target database as checked for a restore of `tables`. */
export interface CheckedTarget {
  readonly catalog: TargetCatalog;
  /** The tables' sequences, each once: reset to their snapshot values after the load. */
  readonly sequences: ManifestSequence[];
  /** The tables in load order: parents before children, a foreign-key cycle as one unit (`load-order.ts`). */
  readonly units: LoadUnit<ManifestTable>[];
}

/**
 * Checks that `driver`'s database can take `tables` (`restoreObstacles`: a table or column missing, a table
 * outside the snapshot referencing one of its tables; a sequence missing), refused (`database`) otherwise,
 * and orders them for loading.
 */
export async function checkTarget(driver: Driver, tables: readonly ManifestTable[], refuse: Refuse): Promise<CheckedTarget> {
  const catalog = await readTargetCatalog(driver, tables);
  const sequences = uniqueSequences(tables);
  const obstacles = restoreObstacles(catalog, tables);
  for (const missing of await missingSequences(driver, sequences)) obstacles.push(`sequence ${missing} does not exist`);
  if (obstacles.length > 0) refuse('database', `database "${driver.database}" cannot take it: ${obstacles.join('; ')}`);
  return { catalog, sequences, units: loadOrder(tables, catalog.foreignKeys) };
}

/**
 * The transactions a restore of `totalBytes` of lines uses: `transaction` as given, or with `auto` (the
 * default) one transaction up to `singleTransactionMaxBytes` (default 1 GiB) and one per table above.
 * @throws {Error} naming `transaction` when it is none of the three
 */
export function chooseTransaction(
  options: { readonly transaction?: RestoreTransaction; readonly singleTransactionMaxBytes?: number },
  totalBytes: number,
): 'single' | 'per-table' {
  const mode = options.transaction ?? 'auto';
  if (mode !== 'single' && mode !== 'per-table' && mode !== 'auto') {
    throw new Error(`transaction: ${JSON.stringify(mode)} must be "single", "per-table" or "auto"`);
  }
  if (mode !== 'auto') return mode;
  return totalBytes <= (options.singleTransactionMaxBytes ?? DEFAULT_SINGLE_TRANSACTION_MAX_BYTES) ? 'single' : 'per-table';
}

/** The tables' sequences, each once. */
function uniqueSequences(tables: readonly ManifestTable[]): ManifestSequence[] {
  const seen = new Map<string, ManifestSequence>();
  for (const table of tables) for (const s of table.sequences ?? []) seen.set(JSON.stringify([s.schema, s.name]), s);
  return [...seen.values()];
}
