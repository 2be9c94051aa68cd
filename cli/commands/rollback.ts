import type { Command } from 'commander';
import type { SnapshotSummary } from '../../lambda/actions/snapshot-action';
import type { RollbackReport } from '../../lambda/engine/commands/rollback';
import { addHelp } from '../help';
import { addOutputOptions } from '../output/output-options';
import { planReport, renderPlan } from '../output/render-plan';
import { renderRollback } from '../output/render-rollback';
import { checkRollbackTarget } from '../project/check-target';
import { addProjectOptions, openProject, type ProjectFlags } from '../project/open-project';
import { withProgress } from '../project/progress-context';
import { checkVersionFlag } from '../project/versions';
import { runCommand } from '../run-command';
import type { Session } from '../session';
import { UsageError } from '../usage-error';

interface RollbackFlags extends ProjectFlags {
  readonly to?: string;
  readonly dryRun?: boolean;
}

/** The `--json` report of `rollback` (without `--dry-run`). */
export interface RollbackCommandReport {
  readonly action: 'rollback';
  readonly database: string;
  /** The snapshot taken before the first down script ran; null when none was (see `snapshotSkipped`). */
  readonly snapshot: SnapshotSummary | null;
  readonly snapshotSkipped?: string;
  readonly rollback: RollbackReport;
}

/** `rds-migrate rollback --to V [--dry-run]`: the engine's rollback, with a snapshot first. */
export function registerRollback(program: Command, session: Session): void {
  const command = program
    .command('rollback')
    .summary('revert the applied migrations above --to with their down scripts')
    .description(
      'Reverts every applied migration above --to, highest first, with its down.sql, holding the migration lock; ' +
        'each gets an undo row in the schema history and is pending again. --to 0 reverts everything. With ' +
        '--snapshot-bucket a snapshot is taken first. Refuses up front, changing nothing, when a migration to ' +
        'revert has no down.sql, changed, or is not in the folder (exit 4). --dry-run prints the plan instead.',
    )
    .option('--to <version>', 'the version to end at (it stays applied); 0 reverts everything')
    .option('--dry-run', 'print the statements rollback would run, change nothing');
  addProjectOptions(command);
  addOutputOptions(command);
  addHelp(command, { targets: true, examples: ['rds-migrate rollback --to 0022 --dry-run', 'rds-migrate rollback --to 0022', 'rds-migrate rollback --to 0 --json'] });
  command.action(
    runCommand<RollbackFlags>(session, async (ctx, flags) => {
      if (flags.to === undefined) throw new UsageError('--to <version> is required: the version to end at (0 reverts everything)');
      const targetVersion = checkVersionFlag(flags.to, '--to');
      const project = await openProject(ctx, flags);
      await checkRollbackTarget(project.driver, project.bundle, targetVersion);
      if (flags.dryRun) {
        const { planRollback } = await import('../../lambda/engine/commands/plan');
        const report = planReport(await planRollback(project.driver, project.bundle, { appliedBy: project.appliedBy, targetVersion }), project.driver.database);
        return { report, human: (out) => renderPlan(report, out) };
      }
      const [{ rollback }, { runSnapshot }] = await Promise.all([
        import('../../lambda/engine/commands/rollback'),
        import('../../lambda/actions/snapshot-action'),
      ]);
      const action = await withProgress(ctx, project);
      let snapshot: SnapshotSummary | null = null;
      let snapshotSkipped: string | undefined;
      const result = await rollback(project.driver, project.bundle, {
        appliedBy: project.appliedBy,
        log: action.log,
        ...(project.lock ? { lock: project.lock } : {}),
        ...(action.loadDataMigration ? { loadDataMigration: action.loadDataMigration } : {}),
        ...(action.onDataProgress ? { onDataProgress: action.onDataProgress } : {}),
        targetVersion,
        beforeApply: async () => {
          if (action.snapshots) snapshot = await runSnapshot(action);
          else snapshotSkipped = 'snapshots are not configured (no --snapshot-bucket)';
        },
      });
      if (result.reverted.length === 0) snapshotSkipped ??= 'nothing to revert';
      const report: RollbackCommandReport = {
        action: 'rollback',
        database: project.driver.database,
        snapshot,
        ...(snapshotSkipped ? { snapshotSkipped } : {}),
        rollback: result,
      };
      return { report, human: (out) => renderRollback(report, out) };
    }),
  );
}
