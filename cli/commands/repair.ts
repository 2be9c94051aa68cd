import type { Command } from 'commander';
import { addHelp } from '../help';
import { addOutputOptions } from '../output/output-options';
import { renderRepair } from '../output/render-repair';
import { addProjectOptions, openProject, type ProjectFlags } from '../project/open-project';
import { runCommand } from '../run-command';
import type { Session } from '../session';

/** `rds-migrate repair`: the engine's repair (accept changed checksums, clear failed rows). */
export function registerRepair(program: Command, session: Session): void {
  const command = program
    .command('repair')
    .summary('accept changed checksums and clear failed rows in the schema history')
    .description(
      'Makes the schema history agree with the migrations folder again, in one transaction holding the lock: ' +
        'an applied migration whose up.sql changed gets the new checksum (the old one is kept in ' +
        'previous_checksum, with who repaired it and when), and failed rows are removed so the next migrate runs ' +
        'that migration again from its first statement: check what its partial run left first. Runs no migration.',
    );
  addProjectOptions(command, { snapshots: false });
  addOutputOptions(command);
  addHelp(command, { targets: true, examples: ['rds-migrate status   # see what is changed or failed', 'rds-migrate repair', 'rds-migrate repair --json'] });
  command.action(
    runCommand<ProjectFlags>(session, async (ctx, flags) => {
      const project = await openProject(ctx, flags);
      const { runRepair } = await import('../../lambda/actions/repair-action');
      // The function's repair action, as {"action":"repair"} runs it.
      const report = await runRepair(project.actionContext);
      return { report, human: (out) => renderRepair(report, out) };
    }),
  );
}
