import type { Command } from 'commander';
import type { LockOptions } from '../../lambda/engine/lock/lease';
import { UsageError } from '../usage-error';

/** The lock flags, as commander parsed them (strings of milliseconds). */
export interface LockFlags {
  readonly lockWait?: string;
  readonly lockLease?: string;
}

/** Adds `--lock-wait <ms>` and `--lock-lease <ms>` (the engine's `LockOptions`, `lambda/engine/lock/lease.ts`). */
export function addLockOptions(command: Command): Command {
  return command
    .option('--lock-wait <ms>', 'wait this long for a lock another runner holds before exiting 3 (default 0: at once)')
    .option('--lock-lease <ms>', 'how long the lock outlives this runner if it dies (default 60000; renewed every third)');
}

function wholeMs(value: string, flag: string, min: number): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min) {
    throw new UsageError(`${flag}: ${JSON.stringify(value)} must be a whole number of milliseconds of at least ${min}`);
  }
  return n;
}

/**
 * The engine's lock options from the flags, or undefined when neither is given (engine defaults).
 * @throws {UsageError} naming the flag: not a whole number of ms, `--lock-lease` under 1000 ms
 */
export function lockOptionsOf(flags: LockFlags): LockOptions | undefined {
  if (flags.lockWait === undefined && flags.lockLease === undefined) return undefined;
  return {
    ...(flags.lockWait !== undefined ? { waitMs: wholeMs(flags.lockWait, '--lock-wait', 0) } : {}),
    ...(flags.lockLease !== undefined ? { leaseMs: wholeMs(flags.lockLease, '--lock-lease', 1000) } : {}),
  };
}
