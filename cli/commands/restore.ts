import type { Command } from 'commander';
import { assertSnapshotId } from '../../lambda/snapshot/snapshot-id';
import { addHelp } from '../help';
import { addOutputOptions, type OutputFlags } from '../output/output-options';
import { runCommand } from '../run-command';
import type { Session } from '../session';
import { addSnapshotOptions, type SnapshotFlags } from '../target/snapshot-options';
import { addTargetOptions, resolveTarget, type TargetFlags } from '../target/target-options';
import { UsageError } from '../usage-error';

interface RestoreFlags extends TargetFlags, SnapshotFlags, OutputFlags {
  readonly confirm?: string;
}

/** Restore is not implemented in the library yet (`lambda/snapshot` has no restore). */
export class RestoreUnavailableError extends Error {
  override readonly name = 'RestoreUnavailableError';
}

/**
 * `rds-migrate restore <id> --confirm <id>`. The arguments are checked as the finished command will
 * check them (a well-formed snapshot id, `--confirm` repeating it, a bucket, a target); the restore
 * itself is not available yet in `lambda/snapshot`, so the command then fails (exit 1) saying so,
 * having read and changed nothing.
 */
export function registerRestore(program: Command, session: Session): void {
  const command = program
    .command('restore')
    .argument('<snapshot-id>', 'the snapshot to restore, as `rds-migrate snapshots` lists it')
    .summary('reload the tables of a snapshot (not available yet)')
    .description(
      'Reloads the tables of a snapshot into the target database, replacing their rows. --confirm must repeat ' +
        'the snapshot id, since the current rows are lost. NOT AVAILABLE YET: this version checks the arguments ' +
        'and exits with code 1; restore a snapshot by hand from its manifest and JSON-lines objects meanwhile.',
    )
    .option('--confirm <snapshot-id>', 'the snapshot id again: confirms that the current rows are replaced');
  addTargetOptions(command);
  addSnapshotOptions(command);
  addOutputOptions(command);
  addHelp(command, {
    targets: true,
    examples: ['rds-migrate snapshots --snapshot-bucket my-snapshots', 'rds-migrate restore 20250314T091500Z-3fa9c01b --confirm 20250314T091500Z-3fa9c01b --snapshot-bucket my-snapshots'],
  });
  command.action(
    runCommand<RestoreFlags>(session, async (ctx, flags, [snapshotId]) => {
      try {
        assertSnapshotId(snapshotId, '<snapshot-id>');
      } catch (error) {
        throw new UsageError((error as Error).message);
      }
      if (flags.confirm === undefined) {
        throw new UsageError(`--confirm is required: repeat the snapshot id (--confirm ${snapshotId}) to confirm that the current rows are replaced`);
      }
      if (flags.confirm !== snapshotId) {
        throw new UsageError(`--confirm: ${JSON.stringify(flags.confirm)} does not repeat the snapshot id ${snapshotId}; nothing was restored`);
      }
      if (!flags.snapshotBucket) throw new UsageError('--snapshot-bucket is required (or RDS_MIGRATE_SNAPSHOT_BUCKET): the bucket the snapshot is in');
      resolveTarget(flags, (flag) => ctx.optionSource(flag), ctx.io.cwd);
      throw new RestoreUnavailableError(
        `restore is not available yet in this version of rds-migrate: snapshot ${snapshotId} was not restored and nothing was changed. ` +
          'Its manifest (rds-migrate snapshots) lists each table\'s JSON-lines object and how to reload it.',
      );
    }),
  );
}
