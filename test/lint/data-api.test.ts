/**
 * The linter's catalog queries over the Data API (DataApiDriver → real SDK client → local Data API →
 * PostgreSQL): named scalar parameters only, one statement per call, no session. The FaktuLove example
 * is compiled into a bundle and linted in its bundle form.
 */
import { RDSDataClient } from '@aws-sdk/client-rds-data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAKTULOVE_MIGRATIONS, loadFaktuLove } from '../../examples/faktulove/load-example';
import { DataApiDriver } from '../../lambda/driver/data-api/data-api-driver';
import { lintMigrations } from '../../lambda/lint/lint-migrations';
import { compileMigrations } from '../../lambda/migrations/compile';
import { startLocalDataApi, type LocalDataApi } from '../../local/data-api/server';
import { createTestDatabase, type TestDatabase } from '../support/database';

let db: TestDatabase;
let api: LocalDataApi;
let client: RDSDataClient;
let driver: DataApiDriver;

beforeAll(async () => {
  db = await createTestDatabase('lint_data_api');
  await loadFaktuLove(db.url);
  await db.sql('CREATE TABLE "Big Table" (id bigint, note varchar(40)); INSERT INTO "Big Table" SELECT g, g::text FROM generate_series(1, 12000) g; ANALYZE "Big Table";');
  api = await startLocalDataApi({ postgresUrl: db.url });
  client = new RDSDataClient({ ...api.clientConfig(), maxAttempts: 1 });
  driver = new DataApiDriver({ resourceArn: api.resourceArn, secretArn: api.secretArn, database: db.name, client });
});
afterAll(async () => {
  await driver.close();
  client.destroy();
  await api.close();
  await db.drop();
});

describe('lint over the Data API', () => {
  it('reads table sizes and column types through DataApiDriver', async () => {
    const report = await lintMigrations(
      [
        {
          file: '0030_more/up.sql',
          sql: [
            'CREATE INDEX faktury_faktura_numer_idx ON faktury_faktura (numer);',
            'CREATE INDEX big_note_idx ON "Big Table" (note);',
            'ALTER TABLE "Big Table" ALTER COLUMN note TYPE text;',
            'ALTER TABLE "Big Table" ALTER COLUMN id TYPE numeric;',
          ].join('\n'),
        },
      ],
      { driver },
    );
    expect(report.findings.map((f) => `${f.ruleId}@${f.line}`)).toEqual([
      'require-concurrent-index-creation@2',
      'ban-table-rewriting-type-change@4',
    ]);
    expect(report.exemptions.map((e) => [e.line, e.table, e.rows])).toEqual([[1, 'faktury_faktura', 5000]]);
    expect(report.tableSizes).toEqual([
      { table: 'faktury_faktura', rows: 5000, source: 'pg_class.reltuples' },
      { table: 'Big Table', rows: 12000, source: 'pg_class.reltuples' },
    ]);
  });

  it('lints the compiled FaktuLove bundle', async () => {
    const bundle = await compileMigrations(FAKTULOVE_MIGRATIONS);
    const report = await lintMigrations(bundle, { driver });
    expect(report.files).toEqual(['0021_add_ocr_fields_to_faktura/up.sql', '0022_add_ocr_indexes/up.sql', '0023_add_ocr_constraints/up.sql', '0024_validate_ocr_constraints/up.sql']);
    expect(report.errorCount).toBe(0);
    expect(report.exemptions.every((e) => e.table === 'faktury_faktura' && e.rows === 5000)).toBe(true);
  });
});
