import { Option, type Command } from 'commander';
import type { SnapshotTarget } from '../../lambda/actions/action-context';
import type { Session } from '../session';
import { UsageError } from '../usage-error';
import { awsClientConfig } from './local-endpoint';
import { checkEndpoint } from './target-options';

/** The snapshot flags, as commander parsed them. */
export interface SnapshotFlags {
  readonly snapshotBucket?: string;
  readonly snapshotPrefix?: string;
  readonly s3Endpoint?: string;
  readonly schemas?: string;
  readonly region?: string;
}

/** Adds `--snapshot-bucket`, `--snapshot-prefix`, `--s3-endpoint` and `--schemas` to a command. */
export function addSnapshotOptions(command: Command): Command {
  return command
    .addOption(new Option('--snapshot-bucket <bucket>', 'S3 bucket of the snapshots').env('RDS_MIGRATE_SNAPSHOT_BUCKET'))
    .addOption(new Option('--snapshot-prefix <prefix>', 'key prefix of the snapshots, ending in /').env('RDS_MIGRATE_SNAPSHOT_PREFIX').default('snapshots/'))
    .option('--s3-endpoint <url>', 'S3 endpoint (path-style addressing), e.g. a local S3')
    .addOption(new Option('--schemas <list>', 'comma-separated schemas a snapshot covers').env('RDS_MIGRATE_SCHEMAS').default('public'));
}

/** A lower-case unquoted PostgreSQL identifier (PostgreSQL docs 4.1.1), as the function's config accepts. */
const SCHEMA = /^[a-z_][a-z0-9_$]{0,62}$/;

/**
 * The schemas of `--schemas`.
 * @throws {UsageError} naming the bad entry
 */
export function parseSchemas(list: string | undefined): string[] {
  const schemas = (list ?? 'public').split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (schemas.length === 0) throw new UsageError('--schemas names no schema');
  for (const schema of schemas) {
    if (!SCHEMA.test(schema)) throw new UsageError(`--schemas: "${schema}" is not a lower-case schema name (letters, digits, _ and $, at most 63)`);
  }
  return schemas;
}

/**
 * The snapshot destination the flags name, with an S3 client closed by the session's clean-ups;
 * undefined without `--snapshot-bucket` (snapshots off). With `--s3-endpoint` the client uses
 * path-style addressing and computes checksums only when required (local S3 servers such as s3rver
 * store the aws-chunked framing otherwise, see `local/s3/local-s3.ts`).
 * @throws {UsageError} for a bad prefix or endpoint, naming the flag
 */
export async function openSnapshotTarget(flags: SnapshotFlags, session: Session): Promise<SnapshotTarget | undefined> {
  if (!flags.snapshotBucket) return undefined;
  const prefix = flags.snapshotPrefix ?? 'snapshots/';
  const { assertKeyPrefix } = await import('../../lambda/snapshot/keys');
  try {
    assertKeyPrefix(prefix);
  } catch (error) {
    throw new UsageError(`--snapshot-prefix: ${(error as Error).message}`);
  }
  const endpoint = flags.s3Endpoint ? checkEndpoint(flags.s3Endpoint, '--s3-endpoint') : undefined;
  const { S3Client } = await import('@aws-sdk/client-s3');
  const s3 = new S3Client({
    ...awsClientConfig({ ...(endpoint ? { endpoint } : {}), ...(flags.region ? { region: flags.region } : {}) }, session.io.env),
    ...(endpoint
      ? { forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED' as const, responseChecksumValidation: 'WHEN_REQUIRED' as const }
      : {}),
  });
  session.onCleanup(async () => s3.destroy());
  return { s3, bucket: flags.snapshotBucket, prefix };
}
