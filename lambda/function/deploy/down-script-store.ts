/**
 * The down scripts a deployment shipped, kept in the database (`rds_migrate.down_scripts`, see
 * `deploy-tables.ts`) so that an OLDER bundle can revert newer migrations.
 *
 * Why: in a stack rollback CloudFormation first rolls the function back to its old code and old
 * bundle, then sends the migration resource an Update with its old properties. The versions the
 * failed deployment applied are not in that bundle, and neither are their down scripts. So every
 * deployment stores, before it migrates, each bundled migration that has a down script: the
 * migration as the engine's rollback plans it (version, name, checksum, directives, down script),
 * without its up statements and verify script. The rollback policy `down` reads them back
 * (`stack-rollback.ts`) and hands them to the engine's rollback with the old bundle.
 *
 * A stored migration is used only when its checksum equals the one the schema history recorded for
 * the version (so it describes exactly what was applied). Data migrations (TypeScript modules) are not
 * stored: their `down` is code in the newer bundle only, so they count as irreversible in a rollback.
 *
 * Size: a stored migration is read back in pieces of {@link READ_CHUNK_CHARS} characters, each under
 * the Data API's 64 KB row limit; writes send at most {@link WRITE_BATCH_CHARS} characters of JSON per
 * call, under its 4 MiB request limit (`/work/shared/data-api-reference.md`, "Limits").
 */
import { createHash } from 'node:crypto';
import type { Driver } from '../../driver/driver';
import { resendable } from '../../engine/run/transient';
import { versionKey } from '../../migrations/compare-versions';
import type { BundledMigration, MigrationBundle } from '../../migrations/bundle';
import type { Log } from '../../observability/log';
import { dataMigrationOf } from '../../engine/data/data-migration';
import { DOWN_SCRIPTS_TABLE } from './deploy-tables';

/** Characters read per call: 16,000 characters are at most 64,000 bytes of UTF-8. */
export const READ_CHUNK_CHARS = 16_000;

/** Characters of JSON written per call, well under the 4 MiB request limit. */
export const WRITE_BATCH_CHARS = 1_000_000;

/** A migration as stored: enough for the engine to plan its rollback. */
export type StoredMigration = BundledMigration & { readonly down: NonNullable<BundledMigration['down']> };

/** The part of a bundled migration that is stored: its up script without statements, no verify script. */
export function storedForm(migration: BundledMigration): StoredMigration | undefined {
  if (!migration.down || dataMigrationOf(migration)) return undefined;
  const { verify: _verify, ...rest } = migration;
  return { ...rest, up: { ...migration.up, statements: [] }, down: migration.down };
}

interface StoredRow extends Record<string, string> {
  version_key: string;
  checksum: string;
  down_checksum: string;
}

/** What `storeDownScripts` did. */
export interface StoreOutcome {
  /** Versions written now (new, or with another checksum or down script than stored). */
  readonly stored: string[];
  /** Reversible versions already stored as they are. */
  readonly unchanged: number;
}

/**
 * Stores the down script of every reversible migration of the bundle (pending ones too: the deploy
 * about to apply them may fail half way). Writes only what differs from what is stored, in as few
 * calls as the size allows; a version stored by another bundle is replaced. Never deletes: a rollback
 * needs the down scripts of versions newer than the bundle running it.
 * Cost: one read, plus one write per {@link WRITE_BATCH_CHARS} characters of changed migrations.
 * @param storedBy who stores them (the function's `appliedBy`)
 * @throws {DatabaseError} when the table cannot be read or written
 */
export async function storeDownScripts(driver: Driver, bundle: MigrationBundle, storedBy: string, log: Log): Promise<StoreOutcome> {
  const { rows } = await resendable('read the stored down scripts', undefined, log, () =>
    driver.execute<StoredRow>(`SELECT version_key, checksum, down_checksum FROM ${DOWN_SCRIPTS_TABLE}`),
  );
  const known = new Map(rows.map((r) => [r.version_key, `${r.checksum}/${r.down_checksum}`]));
  const changed = bundle.migrations
    .map((migration) => ({ migration, stored: storedForm(migration) }))
    .filter((m): m is { migration: BundledMigration; stored: StoredMigration } => m.stored !== undefined)
    .filter(({ migration }) => known.get(versionKey(migration.version)) !== `${migration.checksum}/${migration.down!.checksum}`);
  const reversible = bundle.migrations.filter((m) => storedForm(m) !== undefined).length;

  let batch: Array<Record<string, string>> = [];
  let batchChars = 0;
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    const docs = JSON.stringify(batch);
    batch = [];
    batchChars = 0;
    await resendable('store down scripts', undefined, log, () =>
      driver.execute(
        `INSERT INTO ${DOWN_SCRIPTS_TABLE} (version_key, version, name, checksum, down_checksum, migration, stored_by)
SELECT d->>'versionKey', d->>'version', d->>'name', d->>'checksum', d->>'downChecksum', d->>'migration', :stored_by
FROM jsonb_array_elements(:docs::jsonb) AS d
ON CONFLICT (version_key) DO UPDATE SET version = EXCLUDED.version, name = EXCLUDED.name, checksum = EXCLUDED.checksum,
  down_checksum = EXCLUDED.down_checksum, migration = EXCLUDED.migration, stored_at = now(), stored_by = EXCLUDED.stored_by`,
        { docs: { value: docs, typeHint: 'JSON' }, stored_by: storedBy },
      ),
    );
  };
  for (const { migration, stored } of changed) {
    const doc = {
      versionKey: versionKey(migration.version),
      version: migration.version,
      name: migration.name,
      checksum: migration.checksum,
      downChecksum: stored.down.checksum,
      migration: JSON.stringify(stored),
    };
    const chars = doc.migration.length + 200;
    if (batchChars + chars > WRITE_BATCH_CHARS) await flush();
    batch.push(doc);
    batchChars += chars;
  }
  await flush();
  const storedVersions = changed.map((c) => c.migration.version);
  if (storedVersions.length > 0) log.info('down scripts stored for a stack rollback', { versions: storedVersions });
  return { stored: storedVersions, unchanged: reversible - storedVersions.length };
}

/** A stored migration read back, with the checksum it was stored under. */
export interface StoredDownScript {
  readonly migration: StoredMigration;
  /** sha256 of the stored JSON, for logs. */
  readonly sha256: string;
}

/**
 * Reads the stored migration of one version, in pieces under the 64 KB row limit.
 * Cost: one call per {@link READ_CHUNK_CHARS} characters (one for a typical down script).
 * @returns the stored migration, or undefined when none is stored for the version
 * @throws {Error} naming the version when the stored JSON is not a migration with a down script
 */
export async function loadStoredDownScript(driver: Driver, version: string, log: Log): Promise<StoredDownScript | undefined> {
  const key = versionKey(version);
  let text = '';
  let total = Infinity;
  while (text.length < total) {
    const { rows } = await resendable('read a stored down script', undefined, log, () =>
      driver.execute<{ chars: number; part: string }>(
        `SELECT char_length(migration) AS chars, substr(migration, CAST(:from AS integer), CAST(:count AS integer)) AS part FROM ${DOWN_SCRIPTS_TABLE} WHERE version_key = :key`,
        { key, from: text.length + 1, count: READ_CHUNK_CHARS },
      ),
    );
    const row = rows[0];
    if (!row) return undefined;
    total = row.chars;
    if (row.part === '' && text.length < total) throw new Error(`The stored down script of ${version} changed while it was read`);
    text += row.part;
  }
  let migration: StoredMigration;
  try {
    migration = JSON.parse(text) as StoredMigration;
  } catch (error) {
    throw new Error(`The stored down script of ${version} in ${DOWN_SCRIPTS_TABLE} is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof migration?.version !== 'string' || typeof migration.checksum !== 'string' || !Array.isArray(migration.down?.statements)) {
    throw new Error(`The stored down script of ${version} in ${DOWN_SCRIPTS_TABLE} is not a migration with a down script`);
  }
  return { migration, sha256: createHash('sha256').update(text).digest('hex') };
}
