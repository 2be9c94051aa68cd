import { expect } from 'vitest';
import type { MigrateActionReport } from '../../../lambda/actions/migrate-action';
import type { SnapshotManifest } from '../../../lambda/snapshot/manifest';
import type { ExampleHarness } from './example-harness';

/**
 * Asserts a migrate report of the function that applied the whole bundle on a database at
 * `schemaVersion`: the snapshot was taken first (its manifest in S3, read back and validated, has one
 * table per table of `public` with the row counts the database had before), every bundled migration
 * was applied in version order and recorded as successful by the function, each applied migration's
 * verify script passed, and verification passed.
 *
 * @param countsBefore exact row counts before migrating, keyed `public.<table>` (see `rowCounts`)
 * @param options.growing tables written to while the function ran: their snapshot row count is at
 *   least the count before (the snapshot sees the rows committed when it started)
 * @param options.schemaVersion the version the snapshot records (default null: nothing applied)
 * @returns the snapshot's manifest
 */
export async function expectWholeBundleMigrated(
  h: ExampleHarness,
  report: MigrateActionReport,
  countsBefore: Record<string, number>,
  options: { growing?: readonly string[]; schemaVersion?: string | null } = {},
): Promise<SnapshotManifest> {
  const versions = h.bundle.migrations.map((m) => m.version);
  expect(report.migrate.applied.map((m) => m.version)).toEqual(versions);
  expect(report.migrate.applied.map((m) => m.statements)).toEqual(h.bundle.migrations.map((m) => m.up.statements.length));
  expect(report.migrate.current).toBe(versions[versions.length - 1]);

  expect(report.snapshot, report.snapshotSkipped).not.toBeNull();
  const manifest = await h.readManifest(report.snapshot!.snapshotId);
  expect(manifest.database).toBe(h.db.name);
  expect(manifest.schemaVersion).toBe(options.schemaVersion ?? null);
  const snapshotCounts = Object.fromEntries(manifest.tables.map((t) => [`${t.schema}.${t.table}`, t.rowCount]));
  expect(Object.keys(snapshotCounts).sort()).toEqual(Object.keys(countsBefore).sort());
  for (const [table, before] of Object.entries(countsBefore)) {
    if (options.growing?.includes(table)) expect(snapshotCounts[table], table).toBeGreaterThanOrEqual(before);
    else expect(snapshotCounts[table], table).toBe(before);
  }
  expect(manifest.totalRows).toBe(Object.values(snapshotCounts).reduce((a, b) => a + b, 0));

  const history = await h.db.sql(
    `SELECT version, success, applied_by FROM rds_migrate.schema_history WHERE type <> 'undo' ORDER BY installed_rank DESC LIMIT $1`,
    [versions.length],
  );
  expect(history.rows.reverse()).toEqual(versions.map((version) => ({ version, success: true, applied_by: `lambda:${h.fn.logicalId}` })));

  const scripts = report.verification.checks.filter((c) => c.check === 'verify-script');
  expect(scripts.map((c) => [c.object, c.passed])).toEqual(h.bundle.migrations.filter((m) => m.verify).map((m) => [m.verify!.file, true]));
  expect(report.verification.checks.filter((c) => !c.passed && c.severity === 'error')).toEqual([]);
  expect(report.ok).toBe(true);
  return manifest;
}
