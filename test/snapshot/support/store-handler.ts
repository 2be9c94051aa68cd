import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PgDriver } from '../../../lambda/driver/pg/pg-driver';
import { createHandler, type Handler } from '../../../lambda/function/create-handler';
import type { FunctionConfig } from '../../../lambda/config/function-config';
import type { BundledMigration } from '../../../lambda/migrations/bundle';
import { urlFor } from '../../support/database';
import type { SnapshotStore } from '../../support/snapshot-store';
import { bundled, bundleOf } from './bundle';

/**
 * Runs `use` with the function's handler over a snapshot store: its database (through the store's
 * driver; another database of its server by name, for a restore's `targetDatabase`), its bucket with
 * the prefix `fn/`, and a bundle of `migrations` (default: one that changes nothing) written to a
 * temporary folder as `RDS_MIGRATE_BUNDLE_PATH`, removed afterwards. `env` adds to or overrides the
 * function's environment (logs are silent).
 */
export async function withStoreHandler<T>(
  store: SnapshotStore,
  options: { readonly migrations?: readonly BundledMigration[]; readonly env?: Readonly<Record<string, string>> },
  use: (handler: Handler) => Promise<T>,
): Promise<T> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'rds-migrate-store-handler-'));
  try {
    await writeFile(path.join(dir, 'migrations.json'), JSON.stringify(bundleOf(options.migrations ?? [bundled('0001', 'nothing', ['SELECT 1'])])));
    const env = {
      RDS_MIGRATE_CLUSTER_ARN: 'arn:aws:rds:us-east-1:123456789012:cluster:test', RDS_MIGRATE_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:test',
      RDS_MIGRATE_DATABASE: store.db.name, RDS_MIGRATE_SNAPSHOT_BUCKET: store.bucket, RDS_MIGRATE_SNAPSHOT_PREFIX: 'fn/', RDS_MIGRATE_BUNDLE_PATH: path.join(dir, 'migrations.json'),
      POWERTOOLS_LOG_LEVEL: 'SILENT', ...options.env,
    };
    // Another database of the same server (a restore's targetDatabase) is reached by its name.
    const driver = (config: FunctionConfig) =>
      config.database === store.db.name ? store.db.driver() : new PgDriver({ connectionString: urlFor(store.db.url, config.database) });
    return await use(createHandler({ env, driver, s3: store.s3 }));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

