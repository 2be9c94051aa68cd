import type { Command } from 'commander';
import { addHelp } from '../help';
import { addOutputOptions } from '../output/output-options';
import { renderStatus } from '../output/render-status';
import { addProjectOptions, openProject, type ProjectFlags } from '../project/open-project';
import { runCommand } from '../run-command';
import type { Session } from '../session';

/** `rds-migrate status`: the function's status action (`runStatus`), from the terminal. */
export function registerStatus(program: Command, session: Session): void {
  const command = program
    .command('status')
    .summary('show each version: applied, pending, failed, missing or changed')
    .description(
      'Reads the schema history and compares it with the migrations folder: each version applied, pending, ' +
        'failed (a non-transactional migration that stopped part-way), missing (applied, not in the folder) or ' +
        'changed (up.sql edited after it was applied). Changes nothing and takes no lock. Same action as ' +
        '`rds-migrate invoke status` runs in the deployed function.',
    );
  addProjectOptions(command, { snapshots: false, lock: false });
  addOutputOptions(command);
  addHelp(command, {
    targets: true,
    examples: [
      'rds-migrate status',
      'rds-migrate status --database-url postgres://app:secret@localhost:5432/app',
      'rds-migrate status --json | jq .pending',
    ],
  });
  command.action(
    runCommand<ProjectFlags>(session, async (ctx, flags) => {
      const project = await openProject(ctx, flags);
      const { runStatus } = await import('../../lambda/actions/status-action');
      const report = await runStatus(project.actionContext);
      return { report, human: (out) => renderStatus(report, out, project.target) };
    }),
  );
}
