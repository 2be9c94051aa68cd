import { RDSDataClient } from '@aws-sdk/client-rds-data';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DataApiDriver } from '../../../lambda/driver/data-api/data-api-driver';
import { createHandler, type Handler } from '../../../lambda/function/create-handler';
import { writeBundleFile } from '../../../lambda/migrations/write-bundle';
import { parseManifest } from '../../../lambda/snapshot/manifest';
import { FAKTULOVE_MIGRATIONS, loadFaktuLove } from '../../../examples/faktulove/load-example';
import { startLocalAws, type LocalAws } from '../../../local/environment/local-aws';
import { createTestDatabase, type TestDatabase } from '../../support/database';
import { tableRowObjects } from '../../snapshot/support/row-objects';
import { readTableObject as readSnapshotTableObject } from '../../snapshot/support/table-object';

/** A FaktuLove database, the local Data API and S3 over it, and the handler from sources. */
export interface FaktuLoveHarness {
  readonly db: TestDatabase;
  readonly aws: LocalAws;
  /** Directory holding the compiled `migrations.json`. */
  readonly taskRoot: string;
  /** The handler built from sources, with the real SDK clients pointed at the local stand-ins. */
  readonly handler: Handler;
  /** The keys under the snapshot bucket. */
  listKeys(): Promise<string[]>;
  /**
   * Reads a snapshot table object back into rows keyed by column name, each value as PostgreSQL's JSON of it
   * (record lines read back by PostgreSQL with the manifest's column types: `tableRowObjects`).
   */
  readTableObject(key: string): Promise<Record<string, unknown>[]>;
  readObject(key: string): Promise<string>;
  close(): Promise<void>;
}

export async function startFaktuLoveHarness(migrationsDir = FAKTULOVE_MIGRATIONS): Promise<FaktuLoveHarness> {
  const db = await createTestDatabase('faktulove');
  await loadFaktuLove(db.url);
  const aws = await startLocalAws({ databaseUrl: db.url });
  const taskRoot = await mkdtemp(path.join(os.tmpdir(), 'rds-migrate-task-'));
  await writeBundleFile(migrationsDir, path.join(taskRoot, 'migrations.json'));
  const s3 = aws.s3.client();
  const rdsData = new RDSDataClient({ ...aws.dataApi.clientConfig(), maxAttempts: 1 });
  const env = { ...aws.functionEnvironment(), LAMBDA_TASK_ROOT: taskRoot };
  const handler = createHandler({
    env,
    s3,
    driver: (config) => new DataApiDriver({ resourceArn: config.clusterArn, secretArn: config.secretArn, database: config.database, client: rdsData }),
  });
  const readObject = async (key: string): Promise<Buffer> => {
    const out = await s3.send(new GetObjectCommand({ Bucket: aws.bucket, Key: key }));
    return Buffer.from(await out.Body!.transformToByteArray());
  };
  return {
    db,
    aws,
    taskRoot,
    handler,
    async listKeys() {
      const out = await s3.send(new ListObjectsV2Command({ Bucket: aws.bucket }));
      return (out.Contents ?? []).map((o) => o.Key!).sort();
    },
    async readTableObject(key) {
      // The manifest beside the object: `<snapshot>/tables/<file>` and `<snapshot>/manifest.json`.
      const manifestKey = key.replace(/tables\/[^/]+$/, 'manifest.json');
      const manifest = parseManifest((await readObject(manifestKey)).toString('utf8'), manifestKey);
      const table = manifest.tables.find((t) => t.key === key);
      if (!table) throw new Error(`${key} is not in the manifest ${manifestKey}`);
      return tableRowObjects(db.url, table, await readSnapshotTableObject(s3, aws.bucket, key));
    },
    readObject: async (key) => (await readObject(key)).toString('utf8'),
    async close() {
      rdsData.destroy();
      await aws.close();
      await rm(taskRoot, { recursive: true, force: true });
      await db.drop();
    },
  };
}
