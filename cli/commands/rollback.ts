import type { Command } from 'commander';
import { ExitCode } from '../exit-codes';
import { addHelp } from '../help';
import { addOutputOptions } from '../output/output-options';
import { renderPlan } from '../output/render-plan';
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

/** `rds-migrate rollback --to V [--dry-run]`: the function's rollback action (snapshot, down scripts, fingerprint, verification). */
export function registerRollback(program: Command, session: Session): void {
  const command = program
    .command('rollback')
    .summary('revert the applied migrations above --to with their down scripts')
    .description(
      'Reverts every applied migration above --to, highest first, with its down.sql, holding the migration lock; ' +
        'each gets an undo row in the schema history and is pending again. --to 0 reverts everything. With ' +
        '--snapshot-bucket a snapshot is taken first. Refuses up front, changing nothing, when a migration to ' +
        'revert has no down.sql, changed, or is not in the folder (exit 4). Then the schema fingerprint of the version ' +
        'reached is recorded and the database verified (exit 2 when that fails), as the function\'s rollback does. ' +
        '--dry-run prints the plan instead.',
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
        // The function's plan action for rollback, as {"action":"plan","direction":"down"} runs it.
        const { runPlan } = await import('../../lambda/actions/plan-action');
        const report = await runPlan(project.actionContext, { direction: 'down', targetVersion });
        return { report, human: (out) => renderPlan(report, out) };
      }
      // The function's rollback action, as {"action":"rollback"} runs it (typing --to is the confirmation):
      // the snapshot first, the down scripts, then the schema fingerprint of the version reached (so
      // verification does not take the reverted objects for drift) and verification.
      const { runRollback } = await import('../../lambda/actions/rollback-action');
      const action = await withProgress(ctx, project);
      const report = await runRollback(action, { targetVersion, confirm: targetVersion });
      return { report, exitCode: report.ok ? ExitCode.Success : ExitCode.VerificationFailed, human: (out) => renderRollback(report, out) };
    }),
  );
}
