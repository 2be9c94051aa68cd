import type { Command } from 'commander';
import { addHelp } from '../help';
import { addOutputOptions } from '../output/output-options';
import { addProjectOptions, openProject, type ProjectFlags } from '../project/open-project';
import { requireBundledVersion } from '../project/versions';
import { runCommand } from '../run-command';
import type { Session } from '../session';
import { UsageError } from '../usage-error';

interface BaselineFlags extends ProjectFlags {
  readonly version?: string;
}

/** `rds-migrate baseline --version V`: the engine's baseline, for a database that already has the changes. */
export function registerBaseline(program: Command, session: Session): void {
  const command = program
    .command('baseline')
    .summary('mark every version up to --version applied without running it')
    .description(
      'For a database that already has the changes (applied by hand, or by another tool): records every version ' +
        'of the folder up to and including --version as applied (type baseline) without running it, so migrate ' +
        'applies only the versions above. Only on a database whose schema history is empty (exit 4 otherwise).',
    )
    .option('--version <version>', 'the last version the database already has');
  addProjectOptions(command, { snapshots: false });
  addOutputOptions(command);
  addHelp(command, { targets: true, examples: ['rds-migrate baseline --version 0021', 'rds-migrate baseline --version 0021 --json'] });
  command.action(
    runCommand<BaselineFlags>(session, async (ctx, flags) => {
      if (flags.version === undefined) throw new UsageError('--version <version> is required: the last version the database already has');
      const project = await openProject(ctx, flags);
      const version = await requireBundledVersion(project.bundle, flags.version, '--version');
      const { baseline } = await import('../../lambda/engine/commands/baseline');
      const result = await baseline(project.driver, project.bundle, version, { appliedBy: project.appliedBy, log: ctx.log, ...(project.lock ? { lock: project.lock } : {}) });
      const report = { action: 'baseline' as const, database: project.driver.database, ...result };
      return {
        report,
        human: (out) => {
          out.line(out.colour.green(`Baselined ${result.baselined.length} version(s): ${result.baselined.join(', ')}.`));
          out.line(`Current version ${result.current}; migrate applies the versions above it.`);
        },
      };
    }),
  );
}
