import type { Command } from 'commander';
import type { SnapshotManifest } from '../../lambda/snapshot/manifest';
import { addHelp } from '../help';
import { addOutputOptions, type OutputFlags } from '../output/output-options';
import { renderSnapshotList } from '../output/render-snapshots';
import { runCommand } from '../run-command';
import type { Session } from '../session';
import { addSnapshotOptions, openSnapshotTarget, type SnapshotFlags } from '../target/snapshot-options';
import { addTargetOptions, resolveTarget, type TargetFlags } from '../target/target-options';
import { UsageError } from '../usage-error';

interface SnapshotsFlags extends TargetFlags, SnapshotFlags, OutputFlags {
  readonly limit: string;
}

/** One snapshot in the `--json` report of `snapshots`. */
export interface SnapshotEntry {
  readonly snapshotId: string;
  /** When the manifest was written (ISO 8601), if S3 said. */
  readonly completedAt?: string;
  readonly schemaVersion: string | null;
  readonly tables: number;
  readonly totalRows: number;
  /** Uncompressed JSON lines, bytes. */
  readonly bytes: number;
  readonly manifestKey: string;
}

/** The `--json` report of `snapshots`. */
export interface SnapshotsReport {
  readonly action: 'snapshots';
  readonly database: string;
  readonly bucket: string;
  readonly prefix: string;
  /** Complete snapshots, newest first, at most `--limit`. */
  readonly snapshots: SnapshotEntry[];
  /** Complete snapshots in all (more than listed when cut by `--limit`). */
  readonly total: number;
}

function entry(manifest: SnapshotManifest, manifestKey: string, completedAt?: Date): SnapshotEntry {
  return {
    snapshotId: manifest.snapshotId,
    ...(completedAt ? { completedAt: completedAt.toISOString() } : {}),
    schemaVersion: manifest.schemaVersion,
    tables: manifest.tables.length,
    totalRows: manifest.totalRows,
    bytes: manifest.tables.reduce((sum, t) => sum + t.bytes, 0),
    manifestKey,
  };
}

/** `rds-migrate snapshots`: the complete snapshots of the database, newest first (`listSnapshots`). */
export function registerSnapshots(program: Command, session: Session): void {
  const command = program
    .command('snapshots')
    .summary('list the complete snapshots of the database, newest first')
    .description(
      'Lists the complete snapshots (those with a manifest) of the target\'s database under --snapshot-prefix in ' +
        '--snapshot-bucket, newest first, with the schema version, tables, rows and size each manifest records. ' +
        'Reads S3 only: the database is not contacted (its name comes from the target flags).',
    )
    .option('--limit <n>', 'list at most this many (manifests are read for each)', '20');
  addTargetOptions(command);
  addSnapshotOptions(command);
  addOutputOptions(command);
  addHelp(command, {
    targets: true,
    examples: ['rds-migrate snapshots --snapshot-bucket my-snapshots --database-url postgres://localhost/app', 'rds-migrate snapshots --json --limit 5'],
  });
  command.action(
    runCommand<SnapshotsFlags>(session, async (ctx, flags) => {
      const limit = Number(flags.limit);
      if (!Number.isInteger(limit) || limit < 1) throw new UsageError(`--limit: ${JSON.stringify(flags.limit)} must be a whole number of at least 1`);
      if (!flags.snapshotBucket) throw new UsageError('--snapshot-bucket is required (or RDS_MIGRATE_SNAPSHOT_BUCKET): the bucket the snapshots are in');
      const spec = resolveTarget(flags, (flag) => ctx.optionSource(flag), ctx.io.cwd);
      const target = (await openSnapshotTarget(flags, session))!;
      const { listSnapshots, readManifest } = await import('../../lambda/snapshot');
      const location = { ...target, database: spec.database };
      const listed = await listSnapshots(location);
      const snapshots: SnapshotEntry[] = [];
      for (const found of listed.slice(0, limit)) {
        const manifest = await readManifest({ ...location, snapshotId: found.snapshotId });
        snapshots.push(entry(manifest, found.manifestKey, found.completedAt));
      }
      const report: SnapshotsReport = { action: 'snapshots', database: spec.database, bucket: target.bucket, prefix: target.prefix, snapshots, total: listed.length };
      return {
        report,
        human: (out) => renderSnapshotList(report, out, `--limit ${limit}`),
      };
    }),
  );
}
