import type { BaselineActionReport } from '../../lambda/actions/baseline-action';
import type { MigrateActionReport } from '../../lambda/actions/migrate-action';
import type { PlanActionReport } from '../../lambda/actions/plan-action';
import type { RestoreActionReport } from '../../lambda/actions/restore-action';
import type { RestorePlanActionReport } from '../../lambda/actions/restore-plan-action';

/** Human-readable lines for a migrate report, as the demo prints them. */
export function formatMigrateReport(report: MigrateActionReport): string[] {
  const lines: string[] = [];
  if (report.snapshot) {
    const s = report.snapshot;
    lines.push(`  snapshot ${s.snapshotId} (${s.durationMs} ms), manifest written last: ${s.manifest}`);
    const width = Math.max(...s.tables.map((t) => t.table.length));
    for (const t of s.tables) lines.push(`    ${t.table.padEnd(width)}  ${String(t.rows).padStart(7)} rows  → ${t.key}`);
  } else {
    lines.push(`  no snapshot: ${report.snapshotSkipped ?? 'none taken'}`);
  }
  if (report.migrate.applied.length === 0) {
    lines.push(`  nothing to apply: database at version ${report.migrate.current ?? '(none)'}, ${report.migrate.alreadyApplied} migration(s) already applied`);
  }
  for (const m of report.migrate.applied) {
    lines.push(`  applied ${m.version} ${m.name.padEnd(24)} ${String(m.executionMs).padStart(6)} ms  (${m.statements} statements)`);
  }
  const v = report.verification;
  const passed = v.checks.filter((c) => c.passed).length;
  lines.push(`  verification: ${v.ok ? 'OK' : 'FAILED'}, ${passed}/${v.checks.length} checks passed (${v.durationMs} ms)`);
  for (const c of v.checks) {
    lines.push(`    ${c.passed ? '✓' : c.severity === 'error' ? '✗' : '!'} ${c.check}${c.object ? ` ${c.object}` : ''}: ${c.message}`);
  }
  return lines;
}

/** Human-readable lines for a baseline report, as the demo prints them. */
export function formatBaselineReport(report: BaselineActionReport): string[] {
  const lines: string[] = [];
  for (const c of report.proven) lines.push(`  proven first: ${c.passed ? '✓' : '✗'} ${c.message}`);
  lines.push(`  baselined ${report.baselined.join(', ')} (recorded as applied, not run); current version ${report.current}`);
  lines.push(`  schema fingerprint recorded: ${report.fingerprint.objectCount} objects, sha256 ${report.fingerprint.sha256.slice(0, 12)}...`);
  const v = report.verification;
  const failed = v.checks.filter((c) => !c.passed && c.severity === 'error');
  lines.push(`  verification at ${report.current}: ${v.ok ? 'OK' : 'FAILED'}, pending above it: ${v.counts.pendingMigrations}`);
  for (const c of failed) lines.push(`    ✗ ${c.check}${c.object ? ` ${c.object}` : ''}: ${c.message}`);
  return lines;
}

/** Human-readable lines for a restore report, as the demo prints them. */
export function formatRestoreReport(report: RestoreActionReport): string[] {
  const r = report.restore;
  const into = report.schema !== undefined ? `new schema ${report.schema}` : report.database;
  const lines = [`  restored snapshot ${r.snapshotId} (schema version ${r.schemaVersion ?? 'none'}) into ${into}: ${r.totalRows} rows in ${r.durationMs} ms, every row proved`];
  const width = Math.max(...r.tables.map((t) => `${t.schema}.${t.table}`.length));
  for (const t of r.tables) lines.push(`    ${`${t.schema}.${t.table}`.padEnd(width)}  ${String(t.rows).padStart(7)} rows`);
  return lines;
}

/** `12.3 MiB`: the demo's sizes. */
const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

/** Human-readable lines for a plan report (migrate's dry run), as the demo prints them. */
export function formatPlanReport(report: PlanActionReport): string[] {
  const lines = [`  would apply ${report.migrations.map((m) => m.version).join(', ') || 'nothing'} (${report.statements} statements), ${report.current ?? 'none'} → ${report.target ?? 'none'}`];
  const s = report.snapshot;
  if (s?.refused) lines.push(`  snapshot first: refused: ${s.refused}`);
  else if (s?.skipped) lines.push(`  snapshot first: none (${s.skipped})`);
  else if (s?.reused) lines.push(`  snapshot first: ${s.reused.snapshotId} reused`);
  else if (s?.estimate) {
    lines.push(`  snapshot first: scope ${s.scope}, ${s.estimate.tables} tables, about ${mib(s.estimate.bytes)} (pg_class), about ${s.estimate.seconds.toFixed(1)} s at the budget's rate`);
  }
  return lines;
}

/** Human-readable lines for a restore's dry run, as the demo prints them. */
export function formatRestorePlanReport(report: RestorePlanActionReport): string[] {
  const p = report.plan;
  const into = p.schema !== undefined ? `new schema ${p.schema}` : p.database;
  const lines = [`  a restore of ${p.snapshotId} into ${into} would load ${p.totalRows} rows (${mib(p.totalBytes)} of lines) ${p.transaction === 'single' ? 'in one transaction' : 'a transaction per table'}; nothing was changed`];
  const width = Math.max(...p.tables.map((t) => `${t.schema}.${t.table}`.length));
  p.tables.forEach((t, i) => lines.push(`    ${i + 1}. ${`${t.schema}.${t.table}`.padEnd(width)}  ${String(t.rows).padStart(7)} rows`));
  return lines;
}
