import type { Executor } from '../../driver/driver';
import type { MigrationBundle } from '../../migrations/bundle';
import { readSchemaHistory } from '../history/read';
import type { HistoryOptions } from '../history/tables';
import type { TransientOptions } from '../run/transient';
import { computeStatus, type Status } from '../status/compute';

/**
 * Status: reads the schema history (one call per 1000 rows, retried after transient failures; nothing
 * is created or locked) and compares it with the bundle (see `computeStatus`): versioned migrations
 * and repeatable ones. A database without a schema history has everything pending.
 */
export async function status(db: Executor, bundle: MigrationBundle, options: HistoryOptions & TransientOptions = {}): Promise<Status> {
  return computeStatus(bundle, await readSchemaHistory(db, options));
}
