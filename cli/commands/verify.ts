import type { Command } from 'commander';
import { ExitCode } from '../exit-codes';
import { addHelp } from '../help';
import { addOutputOptions } from '../output/output-options';
import { renderVerification } from '../output/render-verification';
import { addProjectOptions, openProject, type ProjectFlags } from '../project/open-project';
import { runCommand } from '../run-command';
import type { Session } from '../session';

/** `rds-migrate verify`: the function's verify action (`runVerify`); exit code 2 when it fails. */
export function registerVerify(program: Command, session: Session): void {
  const command = program
    .command('verify')
    .summary('run the verify scripts and built-in checks (exit 2 when one fails)')
    .description(
      'Runs every verification check, read-only: the schema history matches the migrations folder (nothing ' +
        'pending, failed, changed or missing), each applied migration\'s verify.sql passes (run in a READ ONLY ' +
        'transaction that is rolled back), and no INVALID index is left. Exit code 2 when a check fails. ' +
        'Same action as the function\'s scheduled verification.',
    );
  addProjectOptions(command, { snapshots: false, lock: false });
  addOutputOptions(command);
  addHelp(command, { targets: true, examples: ['rds-migrate verify', 'rds-migrate verify --json || echo "verification failed: $?"'] });
  command.action(
    runCommand<ProjectFlags>(session, async (ctx, flags) => {
      const project = await openProject(ctx, flags);
      const { runVerify } = await import('../../lambda/actions/verify-action');
      const report = await runVerify(project.actionContext);
      return {
        report,
        exitCode: report.verification.ok ? ExitCode.Success : ExitCode.VerificationFailed,
        human: (out) => {
          out.line(`${out.colour.bold('Database')} ${report.database} ${out.colour.dim(`(${project.target})`)}`);
          renderVerification(report.verification, out);
        },
      };
    }),
  );
}
