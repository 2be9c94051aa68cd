import type { BundledMigration, BundledRepeatable, MigrationBundle } from '../../migrations/bundle';
import type { HistoryRow } from '../history/read';
import { compareVersions } from '../../migrations/compare-versions';
import { versionKey } from '../../migrations/compare-versions';

/**
 * The state of one version, from the bundle and the last schema history row of that version:
 * - `applied`: applied (type `sql`) with the bundle's checksum, or baselined;
 * - `pending`: in the bundle, never applied or reverted since (last row `undo`);
 * - `failed`: a non-transactional SQL migration started and did not finish (success false);
 * - `in-progress`: a data migration started and did not finish (success false): its batches are
 *   checkpointed, and migrate continues it;
 * - `missing`: applied, but no longer in the bundle;
 * - `changed`: applied, but the bundle's up script has another checksum than the one recorded.
 *
 * Baselined versions were never run, so their checksum is not compared (as Flyway's baseline).
 */
export type MigrationState = 'applied' | 'pending' | 'failed' | 'in-progress' | 'missing' | 'changed';

export interface MigrationStatus {
  readonly version: string;
  /** The bundle's name, or the recorded one for `missing`. */
  readonly name: string;
  readonly state: MigrationState;
  /** The bundled migration; absent for `missing`. */
  readonly migration?: BundledMigration;
  /** The version's last schema history row; absent when it never ran. */
  readonly row?: HistoryRow;
  /** The up file, e.g. `0022_add_ocr_indexes/up.sql`; absent for `missing`. */
  readonly file?: string;
  /** For `changed`, and `failed` with a changed file: the checksum in the schema history. */
  readonly expectedChecksum?: string;
  /** For `changed`, and `failed` with a changed file: the checksum in the bundle. */
  readonly foundChecksum?: string;
  /** For `pending`: a higher version is already applied. */
  readonly outOfOrder?: boolean;
}

/**
 * The state of a repeatable migration, from the bundle and its last schema history row (type
 * `repeatable`, by name):
 * - `pending`: never applied; `outdated`: applied with another checksum than the bundle's (migrate
 *   applies both again); `applied`: applied with the bundle's checksum;
 * - `missing`: applied, no longer in the bundle (nothing is done about it).
 */
export interface RepeatableStatus {
  readonly name: string;
  readonly state: 'pending' | 'outdated' | 'applied' | 'missing';
  /** The bundled repeatable; absent for `missing`. */
  readonly repeatable?: BundledRepeatable;
  /** Its last schema history row; absent when never applied. */
  readonly row?: HistoryRow;
  readonly file?: string;
}

export interface Status {
  /** Every version of the bundle and of the history, ascending. */
  readonly migrations: MigrationStatus[];
  /** Highest applied version (states applied, changed, missing), or null when none is. */
  readonly current: string | null;
  /** Pending bundled migrations, ascending. A failed one is not pending (it resumes, see migrate). */
  readonly pending: BundledMigration[];
  readonly failed: MigrationStatus[];
  /** Data migrations started and not finished. */
  readonly inProgress: MigrationStatus[];
  readonly changed: MigrationStatus[];
  readonly missing: MigrationStatus[];
  /** Repeatable migrations of the bundle in its order, then those only in the history. */
  readonly repeatables: RepeatableStatus[];
}

/** True when the version's change is in the database: states applied, changed and missing. */
export function isApplied(s: MigrationStatus): boolean {
  return s.state === 'applied' || s.state === 'changed' || s.state === 'missing';
}

/**
 * The last row of each version (by installed_rank), keyed by `versionKey` (`22` and `0022` are one
 * version), and of each repeatable migration, keyed by name.
 */
function lastRows(history: readonly HistoryRow[]): { versions: Map<string, HistoryRow>; repeatables: Map<string, HistoryRow> } {
  const versions = new Map<string, HistoryRow>();
  const repeatables = new Map<string, HistoryRow>();
  for (const row of [...history].sort((a, b) => a.installedRank - b.installedRank)) {
    if (row.type === 'repeatable') repeatables.set(row.name, row);
    else versions.set(versionKey(row.version), row);
  }
  return { versions, repeatables };
}

function repeatableStatuses(bundle: MigrationBundle, last: Map<string, HistoryRow>): RepeatableStatus[] {
  const statuses: RepeatableStatus[] = [];
  for (const repeatable of bundle.repeatables ?? []) {
    const row = last.get(repeatable.name);
    last.delete(repeatable.name);
    const base = { name: repeatable.name, repeatable, file: repeatable.up.file };
    if (!row) statuses.push({ ...base, state: 'pending' });
    else statuses.push({ ...base, row, state: row.checksum === repeatable.checksum ? 'applied' : 'outdated' });
  }
  for (const row of last.values()) statuses.push({ name: row.name, state: 'missing', row });
  return statuses;
}

function stateOf(migration: BundledMigration, row: HistoryRow | undefined): MigrationStatus {
  const file = migration.up.file;
  const base = { version: migration.version, name: migration.name, migration, file };
  if (!row || (row.type === 'undo' && row.success)) return { ...base, state: 'pending', ...(row ? { row } : {}) };
  const checksumDiffers = (row.type === 'sql' || row.type === 'data') && row.checksum !== migration.checksum;
  const checksums = checksumDiffers ? { expectedChecksum: row.checksum, foundChecksum: migration.checksum } : {};
  if (!row.success) return { ...base, row, state: row.type === 'data' ? 'in-progress' : 'failed', ...checksums };
  return { ...base, row, state: checksumDiffers ? 'changed' : 'applied', ...checksums };
}

/**
 * Compares a bundle with a schema history (pure: no database access): its versioned migrations by
 * version, its repeatable migrations by name.
 * @param bundle migrations in any order
 * @param history rows as `readSchemaHistory` returns them
 */
export function computeStatus(bundle: MigrationBundle, history: readonly HistoryRow[]): Status {
  const { versions: last, repeatables } = lastRows(history);
  const statuses: MigrationStatus[] = [];
  for (const migration of bundle.migrations) {
    const key = versionKey(migration.version);
    const row = last.get(key);
    last.delete(key);
    statuses.push(stateOf(migration, row));
  }
  for (const row of last.values()) {
    const reverted = row.type === 'undo' && row.success;
    if (!reverted) statuses.push({ version: row.version, name: row.name, state: row.success ? 'missing' : row.type === 'data' ? 'in-progress' : 'failed', row });
  }
  statuses.sort((a, b) => compareVersions(a.version, b.version));

  const applied = statuses.filter(isApplied);
  const current = applied.length > 0 ? applied[applied.length - 1]!.version : null;
  const migrations = statuses.map((s) =>
    s.state === 'pending' && current !== null && compareVersions(s.version, current) < 0 ? { ...s, outOfOrder: true } : s,
  );
  return {
    migrations,
    current,
    pending: migrations.filter((s) => s.state === 'pending').map((s) => s.migration!),
    failed: migrations.filter((s) => s.state === 'failed'),
    inProgress: migrations.filter((s) => s.state === 'in-progress'),
    changed: migrations.filter((s) => s.state === 'changed'),
    missing: migrations.filter((s) => s.state === 'missing'),
    repeatables: repeatableStatuses(bundle, repeatables),
  };
}
