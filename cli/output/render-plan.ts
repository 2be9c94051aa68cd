import type { MigrationPlan, PlannedMigration, PlannedRepeatable, PlannedStatement } from '../../lambda/engine/plan/types';
import type { PlannedSnapshot } from '../../lambda/actions/snapshot-action';
import type { Printer } from './printer';
import { formatBytes, formatCount, formatDuration } from './units';

/** A planned migration in the `--json` report: the plan without the bundled scripts it was built from. */
export type PlanMigrationReport = Omit<PlannedMigration, 'migration'>;
/** A planned repeatable migration in the `--json` report, without its bundled script. */
export type PlanRepeatableReport = Omit<PlannedRepeatable, 'repeatable'>;

/** The `--json` report of `plan` and `rollback --dry-run`. */
export interface PlanReport {
  readonly action: 'plan';
  readonly database: string;
  readonly direction: MigrationPlan['direction'];
  readonly current: string | null;
  readonly target: string | null;
  readonly migrations: PlanMigrationReport[];
  /** Repeatable migrations migrate would (re-)apply after the versioned ones (migrate's plan only). */
  readonly repeatables?: PlanRepeatableReport[];
  /** The snapshot migrate would take first (the function's plan, which has a bucket). */
  readonly snapshot?: PlannedSnapshot;
}

/** One line on the snapshot migrate would take before its first migration. */
function snapshotLine(snapshot: PlannedSnapshot, out: Printer): void {
  const c = out.colour;
  if (snapshot.refused) {
    out.line(c.red(`Snapshot first: refused, so migrate would run nothing. ${snapshot.refused}`));
  } else if (snapshot.reused) {
    out.line(`Snapshot first: none taken, ${snapshot.reused.snapshotId} is reused (${snapshot.reused.reason}).`);
  } else if (snapshot.skipped) {
    out.line(c.yellow(`Snapshot first: none (${snapshot.skipped}).`));
  } else if (snapshot.estimate) {
    const e = snapshot.estimate;
    const note = snapshot.scopeNote ? ` (not affected: ${snapshot.scopeNote})` : '';
    out.line(
      `Snapshot first: scope ${snapshot.scope}${note}, ${e.tables} table(s), about ${formatBytes(e.bytes)} and ${formatCount(e.rows)} rows ` +
        `(the catalog's estimate), about ${formatDuration(e.seconds * 1000)} to export.`,
    );
  }
}

/** The plan as a report: every statement, in order, as migrate or rollback would run it. */
export function planReport(plan: MigrationPlan, database: string): PlanReport {
  return {
    action: 'plan',
    database,
    direction: plan.direction,
    current: plan.current,
    target: plan.target,
    migrations: plan.migrations.map(({ migration: _bundled, ...rest }) => rest),
  };
}

function statementText(statement: PlannedStatement): string {
  const params = statement.params && Object.keys(statement.params).length > 0 ? ` -- params ${JSON.stringify(statement.params)}` : '';
  const runtime = statement.runtimeParams?.length ? ` -- at run time: ${statement.runtimeParams.map((p) => `:${p}`).join(', ')}` : '';
  return `${statement.sql};${params}${runtime}`;
}

/**
 * The plan for people: per migration (then per repeatable migration to apply again) its steps, each a transaction (BEGIN ... COMMIT) or one
 * statement on its own, with every statement as it will be sent. Statements of the migration's
 * script show their file and line; the engine's own (timeouts, schema history writes, guards) are dim;
 * a data migration's step is one comment line naming its module (no SQL: its module runs it).
 */
export function renderPlan(report: PlanReport, out: Printer): void {
  const c = out.colour;
  const verb = report.direction === 'up' ? 'migrate' : 'rollback';
  const repeatables = report.repeatables ?? [];
  if (report.migrations.length === 0 && repeatables.length === 0) {
    out.line(`Nothing to ${verb}: current version ${report.current ?? 'none'}.`);
    return;
  }
  const again = repeatables.length > 0 ? `, ${repeatables.length} repeatable migration(s)` : '';
  out.line(`${c.bold(`Plan (${verb})`)}: ${report.current ?? 'none'} → ${report.target ?? 'none'}, ${report.migrations.length} migration(s)${again}`);
  if (report.snapshot) snapshotLine(report.snapshot, out);
  for (const m of [...report.migrations, ...repeatables]) {
    out.line();
    const mode = m.steps.some((s) => s.data) ? 'data migration, batches in transactions of their own' : m.transactional ? 'one transaction' : 'statement by statement';
    const resume = m.resumeAfter > 0 ? `, resuming after statement ${m.resumeAfter}` : '';
    const title = m.kind === 'repeatable' ? `repeatable ${m.name}` : `${m.version} ${m.name}`;
    const state = m.kind === 'repeatable' ? (m.state === 'outdated' ? ', changed since applied: applied again' : ', never applied') : '';
    out.line(c.bold(title) + c.dim(` (${m.direction}, ${m.file}, ${mode}${resume}${state})`));
    m.steps.forEach((step) => {
      const indent = step.transaction ? '      ' : '    ';
      if (step.data) {
        // A data migration's module runs here: its statements are its own, not known before it runs.
        out.line(indent + c.cyan(`-- data migration: runs ${step.data.direction}(ctx) of ${step.data.module} (${m.file}); its statements are not known in advance`));
        return;
      }
      if (step.transaction) out.line(c.dim('    BEGIN;'));
      for (const statement of step.statements) {
        const lines = statementText(statement).split('\n');
        const where = statement.source && statement.source.line > 0 ? c.cyan(`  -- ${statement.source.file}:${statement.source.line}`) : '';
        const style = statement.role === 'migration' ? (t: string) => t : c.dim;
        lines.forEach((line, i) => out.line(indent + style(line) + (i === 0 ? where : '')));
        if (statement.note) out.line(indent + c.dim(`-- ${statement.note}`));
      }
      if (step.transaction) out.line(c.dim('    COMMIT;'));
    });
  }
}
