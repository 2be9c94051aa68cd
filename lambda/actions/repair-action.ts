import { repair, type RepairReport } from '../engine/commands/repair';
import { contextWriteOptions, type ActionContext } from './action-context';

export interface RepairActionReport extends RepairReport {
  readonly action: 'repair';
  readonly database: string;
}

/**
 * The engine's `repair` as the function's `{"action":"repair"}` event and `rds-migrate repair` run it:
 * an applied migration whose up script changed gets the bundle's checksum (the old one kept in
 * `previous_checksum`, with `ctx.appliedBy` as who accepted it), and unfinished rows (failed, or a
 * data migration in progress) are removed, so the next migrate runs that migration from its start.
 * One transaction holding the lock lease; runs no migration script.
 * @throws {LockHeldError} when another runner holds the lock
 */
export async function runRepair(ctx: ActionContext): Promise<RepairActionReport> {
  const result = await repair(ctx.driver, ctx.bundle, contextWriteOptions(ctx));
  return { action: 'repair', database: ctx.driver.database, ...result };
}
