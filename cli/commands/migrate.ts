import type { Command } from 'commander';
import { ExitCode } from '../exit-codes';
import { addHelp } from '../help';
import { addOutputOptions } from '../output/output-options';
import { renderMigrate } from '../output/render-migrate';
import { checkMigrateTarget } from '../project/check-target';
import { addProjectOptions, openProject, type ProjectFlags } from '../project/open-project';
import { withProgress } from '../project/progress-context';
import { requireBundledVersion } from '../project/versions';
import { runCommand } from '../run-command';
import type { Session } from '../session';

interface MigrateFlags extends ProjectFlags {
  readonly to?: string;
}

/**
 * `rds-migrate migrate [--to V]`: the function's main job (`runMigrate`): a snapshot when anything is
 * pending and a bucket is given, the pending migrations, then verification (exit code 2 when it fails).
 */
export function registerMigrate(program: Command, session: Session): void {
  const command = program
    .command('migrate')
    .summary('snapshot, apply the pending migrations (up to --to), verify')
    .description(
      'The function\'s main job, run here: holding the migration lock, takes a snapshot to S3 when anything is ' +
        'pending and --snapshot-bucket is given (manifest last; nothing runs if it fails), applies the pending ' +
        'migrations in version order up to --to (default: the last), then runs verification. Refuses to start, ' +
        'changing nothing, when an applied up.sql changed, a version is missing or out of order (exit 4). ' +
        'A failing migration names its file, line and SQLSTATE and what stayed applied (exit 1).',
    )
    .option('--to <version>', 'last version to apply (inclusive)');
  addProjectOptions(command);
  addOutputOptions(command);
  addHelp(command, {
    targets: true,
    examples: [
      'rds-migrate migrate',
      'rds-migrate migrate --to 0022',
      'rds-migrate migrate --database-url postgres://app:secret@localhost:5432/app --json',
      'rds-migrate migrate --resource-arn arn:aws:rds:eu-west-1:123456789012:cluster:app \\\n      --secret-arn arn:aws:secretsmanager:eu-west-1:123456789012:secret:app-AbCdEf --database app \\\n      --snapshot-bucket my-snapshots',
    ],
  });
  command.action(
    runCommand<MigrateFlags>(session, async (ctx, flags) => {
      const project = await openProject(ctx, flags);
      const targetVersion = flags.to === undefined ? undefined : await requireBundledVersion(project.bundle, flags.to, '--to');
      if (targetVersion !== undefined) await checkMigrateTarget(project.driver, project.bundle, targetVersion);
      const { runMigrate } = await import('../../lambda/actions/migrate-action');
      const report = await runMigrate(await withProgress(ctx, project), targetVersion ? { targetVersion } : {});
      return {
        report,
        exitCode: report.ok ? ExitCode.Success : ExitCode.VerificationFailed,
        human: (out) => renderMigrate(report, out, project.target),
      };
    }),
  );
}
