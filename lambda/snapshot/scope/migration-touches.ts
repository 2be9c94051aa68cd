import type { BundledMigration } from '../../migrations/bundle';

/**
 * A relation a migration statement names as something it changes: a table, or an index or sequence
 * standing for its table (resolved against the catalog when the snapshot runs, see `affected-tables.ts`).
 * Names are as the parser returns them: unquoted names folded to lower case (PostgreSQL docs 4.1.1);
 * `schema` is absent when the statement relies on the search path.
 */
export interface TouchedRelation {
  readonly schema?: string;
  readonly name: string;
}

/**
 * What a migration's up script changes, as found at bundle time with the PostgreSQL parser
 * (`touched-relations.ts`): the relations it writes to or alters, or `unknown` with the reason when
 * that cannot be known from the statements (a DO block, a procedure, a function called for its effects,
 * a schema dropped with CASCADE, ...).
 */
export type MigrationTouches = { readonly relations: TouchedRelation[] } | { readonly unknown: string };

/**
 * The field the compiler records on each bundled migration (proposed: `BundledMigration.touches`), so
 * that the function, which never loads the parser, can find the tables pending migrations touch.
 */
export interface WithTouches {
  readonly touches?: MigrationTouches;
}

/**
 * The touches recorded on a bundled migration, checked; `undefined` when the bundle has none (compiled
 * by a version of the compiler that did not record them) or they are malformed.
 */
export function recordedTouches(migration: BundledMigration): MigrationTouches | undefined {
  const touches = (migration as BundledMigration & WithTouches).touches as unknown;
  if (typeof touches !== 'object' || touches === null) return undefined;
  if ('unknown' in touches && typeof touches.unknown === 'string') return { unknown: touches.unknown };
  if ('relations' in touches && Array.isArray(touches.relations)) {
    const relations = touches.relations as unknown[];
    const valid = relations.every(
      (r) =>
        typeof r === 'object' && r !== null && typeof (r as TouchedRelation).name === 'string' &&
        ((r as TouchedRelation).schema === undefined || typeof (r as TouchedRelation).schema === 'string'),
    );
    return valid ? { relations: relations as TouchedRelation[] } : undefined;
  }
  return undefined;
}
