import { createHash } from 'node:crypto';
import type { DataMigrationRef, MigrationDirectives } from './bundle';

/**
 * Checksums of the bundle. A script's checksum is over its file's bytes exactly as stored (a
 * changed line ending or byte order mark changes it, like any edit); the schema history records the
 * up script's checksum so that an applied migration edited later is detected as drift.
 */

/** sha256 of `bytes`, as 64 lower-case hex digits. */
export function sha256Hex(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** What the bundle checksum covers for one migration. */
export interface ChecksummedMigration {
  readonly version: string;
  readonly name: string;
  readonly up: { readonly checksum: string };
  readonly down?: { readonly checksum: string };
  readonly verify?: { readonly checksum: string };
  readonly directives?: MigrationDirectives;
  readonly data?: DataMigrationRef;
}

/** What the bundle checksum covers for one repeatable migration. */
export interface ChecksummedRepeatable {
  readonly name: string;
  readonly checksum: string;
  readonly directives?: MigrationDirectives;
}

/**
 * The bundle checksum: sha256 (hex) over the JSON text of
 * `[[version, name, upChecksum, downChecksum | null, verifyChecksum | null], ...]` for the migrations
 * in the order given (ascending version), a migration with directives adding
 * `[transaction, lockTimeoutMs, statementTimeoutMs, retries]` (null where not given) to its entry, a
 * data migration adding (after its directives or null) `[module, down]` (`down` false when not exported);
 * with repeatable migrations, over `{"migrations": <that list>, "repeatables": [[name, checksum, directives?], ...]}`.
 * A bundle without directives or repeatables keeps the checksum earlier versions computed. It changes
 * when any script changes, a directive stated outside the SQL changes (a Flyway `.sql.conf`), a data
 * migration's module reference changes (its `down` export added or removed), or a migration is added,
 * removed, renamed or renumbered.
 */
export function bundleChecksum(migrations: readonly ChecksummedMigration[], repeatables: readonly ChecksummedRepeatable[] = []): string {
  const covered = migrations.map((m) => {
    const entry: unknown[] = [m.version, m.name, m.up.checksum, m.down?.checksum ?? null, m.verify?.checksum ?? null];
    if (m.data) return [...entry, m.directives ? directiveValues(m.directives) : null, [m.data.module, m.data.down === true]];
    return m.directives ? [...entry, directiveValues(m.directives)] : entry;
  });
  if (repeatables.length === 0) return sha256Hex(JSON.stringify(covered));
  const repeatable = repeatables.map((r) => (r.directives ? [r.name, r.checksum, directiveValues(r.directives)] : [r.name, r.checksum]));
  return sha256Hex(JSON.stringify({ migrations: covered, repeatables: repeatable }));
}

function directiveValues(d: MigrationDirectives): unknown[] {
  return [d.transaction ?? null, d.lockTimeoutMs ?? null, d.statementTimeoutMs ?? null, d.retries ?? null];
}
