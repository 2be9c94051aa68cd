import type { Command } from 'commander';
import { addHelp } from '../help';
import { addOutputOptions } from '../output/output-options';
import { renderPlan } from '../output/render-plan';
import { checkMigrateTarget } from '../project/check-target';
import { addProjectOptions, openProject, type ProjectFlags } from '../project/open-project';
import { requireBundledVersion } from '../project/versions';
import { runCommand } from '../run-command';
import type { Session } from '../session';

interface PlanFlags extends ProjectFlags {
  readonly to?: string;
}

/** `rds-migrate plan [--to V]`: the dry run of migrate (the engine's `plan`). */
export function registerPlan(program: Command, session: Session): void {
  const command = program
    .command('plan')
    .summary('show the exact statements migrate would run (dry run)')
    .description(
      'The dry run of migrate: every statement migrate would send, in order, grouped into the transactions and ' +
        'single calls that run them, with the timeouts and schema history writes. migrate executes this same plan. ' +
        'Reads only: creates nothing and takes no lock. For rollback, use `rds-migrate rollback --to V --dry-run`.',
    )
    .option('--to <version>', 'last version to apply (inclusive)');
  addProjectOptions(command, { snapshots: false, lock: false });
  addOutputOptions(command);
  addHelp(command, { targets: true, examples: ['rds-migrate plan', 'rds-migrate plan --to 0022', 'rds-migrate plan --json | jq ".migrations[].steps"'] });
  command.action(
    runCommand<PlanFlags>(session, async (ctx, flags) => {
      const project = await openProject(ctx, flags);
      const targetVersion = flags.to === undefined ? undefined : await requireBundledVersion(project.bundle, flags.to, '--to');
      if (targetVersion !== undefined) await checkMigrateTarget(project.driver, project.bundle, targetVersion);
      // The function's plan action, as {"action":"plan"} runs it: versioned and repeatable migrations.
      const { runPlan } = await import('../../lambda/actions/plan-action');
      const report = await runPlan(project.actionContext, targetVersion ? { targetVersion } : {});
      return { report, human: (out) => renderPlan(report, out) };
    }),
  );
}
