import type { Command } from 'commander';
import { assertSnapshotId } from '../../lambda/snapshot/snapshot-id';
import { addHelp } from '../help';
import { addOutputOptions } from '../output/output-options';
import { renderRestore } from '../output/render-restore';
import { renderRestorePlan } from '../output/render-restore-plan';
import { restoreProgressBar } from '../output/restore-progress';
import { addProjectOptions, openProject, type ProjectFlags } from '../project/open-project';
import { runCommand } from '../run-command';
import type { Session } from '../session';
import { UsageError } from '../usage-error';

interface RestoreFlags extends ProjectFlags {
  readonly confirm?: string;
  readonly targetSchema?: string;
  readonly dryRun?: boolean;
}

/**
 * `rds-migrate restore <id> --confirm <id> [--target-schema <name>]`: the function's restore action
 * (`runRestore`) on the target database, in place, or as a copy into a new schema of it. The arguments are checked before anything is reached (a well-formed snapshot id,
 * `--confirm` repeating it, a bucket); the restore itself refuses, with the database untouched, a
 * snapshot that is incomplete, corrupt, tampered with or of another schema version.
 *
 * `rds-migrate restore <id> --dry-run [--target-schema <name>]`: the function's restore dry run
 * (`runRestorePlan`, as `{"action":"restore","dryRun":true}` runs it): the same checks and refusals, then
 * the tables a restore would empty and load, in load order, with their rows; no lock, nothing changed or
 * created. `--confirm` is not needed; given, it must still repeat the snapshot id.
 */
export function registerRestore(program: Command, session: Session): void {
  const command = program
    .command('restore')
    .argument('<snapshot-id>', 'the snapshot to restore, as `rds-migrate snapshots` lists it')
    .summary('reload the tables of a snapshot, replacing their rows')
    .description(
      'Reloads the tables of a snapshot into the target database, replacing their rows: the tables are emptied and ' +
        'reloaded in foreign-key order (one transaction when it fits), sequences reset, and every table\'s rows ' +
        'checked against the snapshot. The database must be at the snapshot\'s schema version (roll back or migrate ' +
        'first). --confirm must repeat the snapshot id, since the current rows are lost. Shows rows, bytes, rate and ' +
        'ETA on a terminal. With --target-schema, a copy goes into a new schema of the database instead, next to the ' +
        'live tables, which keep their rows: the schema is created with the snapshot\'s tables (columns, types and key, ' +
        'from the manifest) and loaded, whatever the database\'s schema version. --dry-run makes the restore\'s checks ' +
        'and prints what it would do instead (no --confirm needed): the tables it would empty and load, in order, with ' +
        'their rows; it changes nothing, takes no lock and creates no schema.',
    )
    .option('--confirm <snapshot-id>', 'the snapshot id again: confirms that the current rows are replaced')
    .option('--target-schema <name>', 'restore a copy into this new schema instead (it must not exist); the live tables are not touched')
    .option('--dry-run', 'print what the restore would do: the tables it would empty and load, in order, with their rows; change nothing');
  addProjectOptions(command);
  addOutputOptions(command);
  addHelp(command, {
    targets: true,
    examples: [
      'rds-migrate snapshots --snapshot-bucket my-snapshots',
      'rds-migrate restore 20250314T091500Z-3fa9c01b --dry-run --snapshot-bucket my-snapshots',
      'rds-migrate restore 20250314T091500Z-3fa9c01b --confirm 20250314T091500Z-3fa9c01b --snapshot-bucket my-snapshots',
      'rds-migrate restore 20250314T091500Z-3fa9c01b --confirm 20250314T091500Z-3fa9c01b --target-schema inspect --snapshot-bucket my-snapshots',
    ],
  });
  command.action(
    runCommand<RestoreFlags>(session, async (ctx, flags, [snapshotId]) => {
      try {
        assertSnapshotId(snapshotId, '<snapshot-id>');
      } catch (error) {
        throw new UsageError((error as Error).message);
      }
      // A dry run changes nothing: no confirmation needed, but one given must still be the right one.
      if (flags.confirm === undefined && !flags.dryRun) {
        throw new UsageError(`--confirm is required: repeat the snapshot id (--confirm ${snapshotId}) to confirm that the current rows are replaced`);
      }
      if (flags.confirm !== undefined && flags.confirm !== snapshotId) {
        throw new UsageError(`--confirm: ${JSON.stringify(flags.confirm)} does not repeat the snapshot id ${snapshotId}; nothing was restored`);
      }
      if (!flags.snapshotBucket) throw new UsageError('--snapshot-bucket is required (or RDS_MIGRATE_SNAPSHOT_BUCKET): the bucket the snapshot is in');
      const project = await openProject(ctx, flags);
      if (flags.dryRun) {
        // The function's restore dry run, as {"action":"restore","dryRun":true} runs it: reads only, so no progress bar.
        const { runRestorePlan } = await import('../../lambda/actions/restore-plan-action');
        const report = await runRestorePlan(project.actionContext, {
          snapshotId: snapshotId!,
          ...(flags.targetSchema !== undefined ? { targetSchema: flags.targetSchema } : {}),
        });
        return { report, human: (out) => renderRestorePlan(report, out) };
      }
      const { runRestore } = await import('../../lambda/actions/restore-action');
      // A progress bar on a terminal (rows and bytes of the manifest's totals, rate, ETA); none with --json or --no-progress.
      const progress = ctx.progress && !ctx.json ? restoreProgressBar(ctx.stderr) : undefined;
      let report: Awaited<ReturnType<typeof runRestore>>;
      try {
        report = await runRestore(project.actionContext, {
          // Without --dry-run, --confirm was required above.
          snapshotId: snapshotId!, confirm: flags.confirm!,
          ...(flags.targetSchema !== undefined ? { targetSchema: flags.targetSchema } : {}),
          ...(progress ? { onProgress: progress.onProgress } : {}),
        });
      } finally {
        progress?.finish();
      }
      return { report, human: (out) => renderRestore(report, out) };
    }),
  );
}
