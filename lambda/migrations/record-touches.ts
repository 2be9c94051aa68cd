import { touchedRelations } from '../snapshot/scope/touched-relations';
import type { MigrationBundle } from './bundle';

/**
 * The bundle with `touches` recorded on every versioned migration (`BundledMigration.touches`): what its
 * up script changes, read from the statements with the PostgreSQL parser (`touchedRelations`), or
 * `unknown` with the reason (a DO block, a procedure, a data migration, ...). The compiler calls it at
 * bundle time, so the function, which never loads the parser, can take a snapshot of scope `affected`.
 * Repeatable migrations get none (the affected scope covers versioned migrations only). The bundle
 * checksum is left as it is: the touches derive from the up scripts, which it covers.
 *
 * Loads the parser on first use; never throws for SQL it cannot analyse (that is `unknown`).
 */
export async function recordTouches(bundle: MigrationBundle): Promise<MigrationBundle> {
  const migrations = [];
  for (const migration of bundle.migrations) migrations.push({ ...migration, touches: await touchedRelations(migration) });
  return { ...bundle, migrations };
}
