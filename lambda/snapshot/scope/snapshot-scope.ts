import type { Executor } from '../../driver/driver';
import type { BundledMigration } from '../../migrations/bundle';
import type { TableName } from '../keys';
import { affectedTables } from './affected-tables';
import type { MigrationTouches, TouchedRelation } from './migration-touches';

/**
 * What the snapshot before migrating covers:
 * - `full`: every table of the configured schemas;
 * - `affected`: the tables the pending migrations touch and their foreign-key neighbours
 *   (`affected-tables.ts`), from what the compiler recorded for each migration (`migration-touches.ts`);
 *   when that cannot be known for a pending migration, the full scope, saying why;
 * - `none`: no snapshot (the operator takes responsibility for backups).
 */
export type SnapshotScope = 'full' | 'affected' | 'none';

export const SNAPSHOT_SCOPES: readonly SnapshotScope[] = ['full', 'affected', 'none'];

/** The scope decided for one migrate run. */
export type ScopePlan =
  | { readonly scope: 'none' }
  | { readonly scope: 'full'; readonly asked: SnapshotScope; readonly reason?: string }
  | { readonly scope: 'affected'; readonly tables: TableName[]; readonly notFound: TouchedRelation[]; readonly outside: TableName[] };

export interface PlanScopeOptions {
  readonly scope: SnapshotScope;
  /** The versioned migrations about to run (from migrate's `beforeApply`). */
  readonly pending: readonly BundledMigration[];
  /** The snapshot's schemas. */
  readonly schemas: readonly string[];
  /**
   * Finds what a migration touches when its bundle entry records nothing (e.g. the CLI, which may load
   * the parser: `touched-relations.ts`). @default none: such a migration makes the scope full
   */
  readonly analyse?: (migration: BundledMigration) => Promise<MigrationTouches>;
}

/**
 * Decides the tables of the snapshot before migrating.
 * @throws {Error} on an unknown scope, naming the accepted ones
 */
export async function planSnapshotScope(executor: Executor, options: PlanScopeOptions): Promise<ScopePlan> {
  const { scope } = options;
  if (!SNAPSHOT_SCOPES.includes(scope)) throw new Error(`scope: ${JSON.stringify(scope)} must be one of ${SNAPSHOT_SCOPES.join(', ')}`);
  if (scope === 'none') return { scope: 'none' };
  if (scope === 'full') return { scope: 'full', asked: 'full' };
  if (options.pending.length === 0) {
    return { scope: 'full', asked: 'affected', reason: 'only repeatable migrations are due, and what they touch is not recorded' };
  }
  const relations: TouchedRelation[] = [];
  for (const migration of options.pending) {
    const touches = migration.touches ?? (await options.analyse?.(migration));
    if (!touches) {
      return { scope: 'full', asked: 'affected', reason: `the bundle records no touched tables for migration ${migration.version} (compiled without them)` };
    }
    if ('unknown' in touches) return { scope: 'full', asked: 'affected', reason: `migration ${migration.version} cannot be analysed: ${touches.unknown}` };
    relations.push(...touches.relations);
  }
  const affected = await affectedTables(executor, relations, options.schemas);
  return { scope: 'affected', ...affected };
}
