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

/** What the bundle checksum covers for one script: its file's checksum and the statements split from it. */
export interface ChecksummedScript {
  readonly checksum: string;
  /**
   * The statements the compiler split the file into. The file's checksum cannot be recomputed from
   * them without the parser (comments and blank lines between them are gone), so they are covered
   * separately: a statement edited in `migrations.json` changes the bundle checksum.
   */
  readonly statements?: ReadonlyArray<{ readonly sql: string; readonly line: number; readonly nonTransactional: boolean }>;
}

/** What the bundle checksum covers for one migration. */
export interface ChecksummedMigration {
  readonly version: string;
  readonly name: string;
  readonly up: ChecksummedScript;
  readonly down?: ChecksummedScript;
  readonly verify?: ChecksummedScript;
  readonly directives?: MigrationDirectives;
  readonly data?: DataMigrationRef;
}

/** What the bundle checksum covers for one repeatable migration. */
export interface ChecksummedRepeatable {
  readonly name: string;
  readonly checksum: string;
  readonly directives?: MigrationDirectives;
  readonly up?: ChecksummedScript;
}

/**
 * The bundle checksum: sha256 (hex) over the JSON text of
 * `[[version, name, upChecksum, downChecksum | null, verifyChecksum | null], ...]` for the migrations
 * in the order given (ascending version), a migration with directives adding
 * `[transaction, lockTimeoutMs, statementTimeoutMs, retries]` (null where not given) to its entry, a
 * data migration adding (after its directives or null) `[module, down]` (`down` false when not exported);
 * with repeatable migrations, over `{"migrations": <that list>, "repeatables": [[name, checksum, directives?], ...]}`;
 * every entry (migration or repeatable) whose scripts carry their statements ends with the digest of
 * those statements (`withStatements`). It changes when any script changes, a statement of the bundle is
 * edited, a directive stated outside the SQL changes (a Flyway `.sql.conf`), a data migration's module
 * reference changes (its `down` export added or removed), or a migration is added, removed, renamed or
 * renumbered. (Covering the statements changed every bundle's checksum once, together with the
 * function's code hash: CloudFormation's Update after upgrading rds-migrate finds nothing to migrate.)
 */
export function bundleChecksum(migrations: readonly ChecksummedMigration[], repeatables: readonly ChecksummedRepeatable[] = []): string {
  const covered = migrations.map((m) => {
    const entry: unknown[] = [m.version, m.name, m.up.checksum, m.down?.checksum ?? null, m.verify?.checksum ?? null];
    const full = m.data
      ? [...entry, m.directives ? directiveValues(m.directives) : null, [m.data.module, m.data.down === true]]
      : m.directives
        ? [...entry, directiveValues(m.directives)]
        : entry;
    return withStatements(full, [m.up, m.down, m.verify]);
  });
  if (repeatables.length === 0) return sha256Hex(JSON.stringify(covered));
  const repeatable = repeatables.map((r) =>
    withStatements(r.directives ? [r.name, r.checksum, directiveValues(r.directives)] : [r.name, r.checksum], [r.up]),
  );
  return sha256Hex(JSON.stringify({ migrations: covered, repeatables: repeatable }));
}

/**
 * `entry` with, when the scripts carry their statements, the sha256 of
 * `[[[line, nonTransactional, sql], ...] | null, ...]` (one list per script, null for an absent one)
 * appended: the statements a hand edit of `migrations.json` could change without touching a checksum.
 */
function withStatements(entry: unknown[], scripts: ReadonlyArray<ChecksummedScript | undefined>): unknown[] {
  if (!scripts.some((s) => s?.statements)) return entry;
  const statements = scripts.map((s) => s?.statements?.map((st) => [st.line, st.nonTransactional, st.sql]) ?? null);
  return [...entry, sha256Hex(JSON.stringify(statements))];
}

function directiveValues(d: MigrationDirectives): unknown[] {
  return [d.transaction ?? null, d.lockTimeoutMs ?? null, d.statementTimeoutMs ?? null, d.retries ?? null];
}
