import type { Command } from 'commander';
import { addHelp } from '../help';
import { addOutputOptions } from '../output/output-options';
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
      const { repair } = await import('../../lambda/engine/commands/repair');
      const result = await repair(project.driver, project.bundle, { appliedBy: project.appliedBy, log: ctx.log, ...(project.lock ? { lock: project.lock } : {}) });
      const report = { action: 'repair' as const, database: project.driver.database, ...result };
      return {
        report,
        human: (out) => {
          const c = out.colour;
          if (result.acceptedChecksums.length === 0 && result.removedFailed.length === 0) {
            out.line(c.green('Nothing to repair: the schema history agrees with the migrations folder.'));
            return;
          }
          for (const a of result.acceptedChecksums) out.line(`accepted the new checksum of ${c.bold(a.file)} (was ${a.previous.slice(0, 12)}…, now ${a.accepted.slice(0, 12)}…)`);
          for (const f of result.removedFailed) {
            out.line(`removed the failed row of ${c.bold(f.version)} (${f.statementsApplied} statement(s) had run): the next migrate runs it from the start`);
          }
        },
      };
    }),
  );
}
