import type { Command } from 'commander';
import { addHelp } from '../help';
import { addOutputOptions } from '../output/output-options';
import { renderSnapshot } from '../output/render-snapshot';
import { addProjectOptions, openProject, type ProjectFlags } from '../project/open-project';
import { withProgress } from '../project/progress-context';
import { runCommand } from '../run-command';
import type { Session } from '../session';
import { UsageError } from '../usage-error';

/** `rds-migrate snapshot`: the function's snapshot action (`runSnapshot`), with a progress bar. */
export function registerSnapshot(program: Command, session: Session): void {
  const command = program
    .command('snapshot')
    .summary('export the tables of --schemas to S3 now (manifest last)')
    .description(
      'Takes a snapshot now: every table of --schemas read in one REPEATABLE READ, READ ONLY transaction (one ' +
        'instant), page by page, into gzip\'d JSON lines under <prefix><database>/<snapshot id>/ in the bucket; the ' +
        'manifest is written last, so a snapshot without one is incomplete and never listed. Shows rows, bytes, ' +
        'rate and ETA on a terminal. Needs --snapshot-bucket.',
    );
  addProjectOptions(command, { lock: false });
  addOutputOptions(command);
  addHelp(command, {
    targets: true,
    examples: [
      'rds-migrate snapshot --snapshot-bucket my-snapshots',
      'rds-migrate snapshot --snapshot-bucket snapshots --s3-endpoint http://127.0.0.1:4569 --schemas public,billing',
    ],
  });
  command.action(
    runCommand<ProjectFlags>(session, async (ctx, flags) => {
      if (!flags.snapshotBucket) throw new UsageError('--snapshot-bucket is required (or RDS_MIGRATE_SNAPSHOT_BUCKET): the bucket to write the snapshot to');
      const project = await openProject(ctx, flags);
      const { runSnapshot } = await import('../../lambda/actions/snapshot-action');
      const snapshot = await runSnapshot(await withProgress(ctx, project));
      // The same document the function returns for {"action":"snapshot"}.
      const report = { action: 'snapshot' as const, database: project.driver.database, snapshot };
      return { report, human: (out) => renderSnapshot(snapshot, out) };
    }),
  );
}
