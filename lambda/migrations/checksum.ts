import { createHash } from 'node:crypto';

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
}

/**
 * The bundle checksum: sha256 (hex) over the JSON text of
 * `[[version, name, upChecksum, downChecksum | null, verifyChecksum | null], ...]` for the migrations
 * in the order given (ascending version). It changes when any script changes, or a migration is
 * added, removed, renamed or renumbered.
 */
export function bundleChecksum(migrations: readonly ChecksummedMigration[]): string {
  const covered = migrations.map((m) => [m.version, m.name, m.up.checksum, m.down?.checksum ?? null, m.verify?.checksum ?? null]);
  return sha256Hex(JSON.stringify(covered));
}
