import { SizeRoundingBehavior, Token, type Duration, type Size } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import type { DatabaseMigrationsProps } from './database-migrations-props';
import { DatabaseMigrationsError } from './errors';

/**
 * The snapshot budget and parallelism as the function reads them (`lambda/config/function-config.ts`),
 * in its units; only the props given.
 */
export interface SnapshotBudgetSettings {
  /** `snapshotMaxSize` in bytes (`RDS_MIGRATE_SNAPSHOT_MAX_BYTES`). */
  readonly maxBytes?: number;
  /** `snapshotMaxDuration` in seconds (`RDS_MIGRATE_SNAPSHOT_MAX_SECONDS`). */
  readonly maxSeconds?: number;
  /** `snapshotExportRate` in bytes per second (`RDS_MIGRATE_SNAPSHOT_BYTES_PER_SECOND`). */
  readonly bytesPerSecond?: number;
  /** `snapshotParallelism` (`RDS_MIGRATE_SNAPSHOT_PARALLELISM`). */
  readonly parallelism?: number;
}

/** The function's bound on tables (ranges) exported at once (`RDS_MIGRATE_SNAPSHOT_PARALLELISM`, 1 to 32). */
export const MAX_SNAPSHOT_PARALLELISM = 32;

/**
 * Checks the snapshot budget props and converts them to the function's units, with the function's own
 * bounds so that what it would refuse at start-up fails `cdk synth` instead:
 * - `snapshotMaxSize`: whole bytes, at least 1 byte;
 * - `snapshotMaxDuration`: whole seconds, at least 1 second;
 * - `snapshotExportRate`: whole bytes (per second), at least 1 byte; only with `snapshotMaxDuration`,
 *   the one estimate it is used for;
 * - `snapshotParallelism`: a whole number from 1 to 32.
 * Each must be a literal value (not a token): the construct checks it.
 *
 * @throws DatabaseMigrationsError naming the prop at fault
 */
export function snapshotBudgetSettings(scope: IConstruct, props: DatabaseMigrationsProps): SnapshotBudgetSettings {
  const maxBytes = props.snapshotMaxSize && wholeBytes(scope, 'snapshotMaxSize', props.snapshotMaxSize);
  const maxSeconds = props.snapshotMaxDuration && wholeSeconds(scope, 'snapshotMaxDuration', props.snapshotMaxDuration);
  const bytesPerSecond = props.snapshotExportRate && wholeBytes(scope, 'snapshotExportRate', props.snapshotExportRate);
  if (bytesPerSecond !== undefined && maxSeconds === undefined) {
    throw new DatabaseMigrationsError(
      'snapshotExportRate',
      'is the rate the snapshot time estimate assumes, checked against snapshotMaxDuration: set snapshotMaxDuration too, or leave it out',
      scope,
    );
  }
  const parallelism = props.snapshotParallelism;
  if (parallelism !== undefined) {
    if (Token.isUnresolved(parallelism)) throw new DatabaseMigrationsError('snapshotParallelism', 'must be a literal number, not a token', scope);
    if (!Number.isInteger(parallelism) || parallelism < 1 || parallelism > MAX_SNAPSHOT_PARALLELISM) {
      throw new DatabaseMigrationsError('snapshotParallelism', `must be a whole number from 1 to ${MAX_SNAPSHOT_PARALLELISM}, got ${parallelism}`, scope);
    }
  }
  return {
    ...(maxBytes !== undefined ? { maxBytes } : {}),
    ...(maxSeconds !== undefined ? { maxSeconds } : {}),
    ...(bytesPerSecond !== undefined ? { bytesPerSecond } : {}),
    ...(parallelism !== undefined ? { parallelism } : {}),
  };
}

function wholeBytes(scope: IConstruct, prop: string, size: Size): number {
  if (size.isUnresolved()) throw new DatabaseMigrationsError(prop, 'must be a literal size, not a token', scope);
  let bytes: number;
  try {
    bytes = size.toBytes({ rounding: SizeRoundingBehavior.FAIL });
  } catch {
    throw new DatabaseMigrationsError(prop, `must be a whole number of bytes, got ${size.toString()}`, scope);
  }
  if (bytes < 1 || !Number.isSafeInteger(bytes)) throw new DatabaseMigrationsError(prop, `must be from 1 byte to ${Number.MAX_SAFE_INTEGER} bytes, got ${size.toString()}`, scope);
  return bytes;
}

function wholeSeconds(scope: IConstruct, prop: string, duration: Duration): number {
  if (duration.isUnresolved()) throw new DatabaseMigrationsError(prop, 'must be a literal duration, not a token', scope);
  const seconds = duration.toMilliseconds() / 1000;
  if (!Number.isInteger(seconds) || seconds < 1) throw new DatabaseMigrationsError(prop, `must be whole seconds, at least 1 second, got ${duration.toHumanString()}`, scope);
  return seconds;
}
