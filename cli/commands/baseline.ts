import type { Command } from 'commander';
import { ExitCode } from '../exit-codes';
import { addHelp } from '../help';
import { addOutputOptions } from '../output/output-options';
import { renderBaseline } from '../output/render-baseline';
import { addProjectOptions, openProject, type ProjectFlags } from '../project/open-project';
import { requireBundledVersion } from '../project/versions';
import { runCommand } from '../run-command';
import type { Session } from '../session';
import { UsageError } from '../usage-error';

interface BaselineFlags extends ProjectFlags {
  readonly version?: string;
}

/** `rds-migrate baseline --version V`: the function's baseline action, for a database that already has the changes. */
export function registerBaseline(program: Command, session: Session): void {
  const command = program
    .command('baseline')
    .summary('mark every version up to --version applied without running it')
    .description(
      'For a database that already has the changes (applied by hand, or by another tool): records every version ' +
        'of the folder up to and including --version as applied (type baseline) without running it, so migrate ' +
        'applies only the versions above. Only on a database whose schema history is empty (exit 4 otherwise). ' +
        'The verify scripts of those versions run first: one that fails proves the database lacks that change, and ' +
        'nothing is recorded (exit 4). Then the schema fingerprint is recorded and the database verified (exit 2 ' +
        'when that fails). The same action as the function\'s {"action":"baseline"}.',
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
      // The function's baseline action, as {"action":"baseline"} runs it: the verify scripts first, then
      // the history rows, the schema fingerprint and verification.
      const { runBaseline } = await import('../../lambda/actions/baseline-action');
      const report = await runBaseline(project.actionContext, { version });
      return {
        report,
        exitCode: report.ok ? ExitCode.Success : ExitCode.VerificationFailed,
        human: (out) => renderBaseline(report, out),
      };
    }),
  );
}
