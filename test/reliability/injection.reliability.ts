/**
 * Injection: names and values from outside can never alter SQL or leave their place in the bucket.
 *
 * - Snapshot keys: for any database, schema and table name (any Unicode, `/`, `..`, `%2F`, quotes),
 *   every key stays under `<prefix><database>/<snapshotId>/tables/` as one segment, and reads back to
 *   the same names; any snapshot id that is not `YYYYMMDDTHHMMSSZ-xxxxxxxx` is refused before a key is
 *   built.
 * - A real database whose table and column names are SQL, paths and key look-alikes, and whose rows
 *   hold quotes, dollar quotes, backslashes, newlines and JSON breakers: a migrate through the
 *   function (Data API, S3) snapshots every table with every row exactly, under the snapshot's
 *   prefix, and leaves every table, the canary included, as it was.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { MigrateActionReport } from '../../lambda/actions/migrate-action';
import { assertSnapshotId, SNAPSHOT_ID_PATTERN } from '../../lambda/snapshot/snapshot-id';
import { manifestKey, parseSnapshotKey, tableObjectKey } from '../../lambda/snapshot/keys';
import { startLocalDataApi, type LocalDataApi } from '../../local/data-api/server';
import { startLocalS3, type LocalS3 } from '../../local/s3/local-s3';
import { captureState, type DatabaseState } from './support/database-state';
import { recordFigures } from './support/figures';
import { compileTaskRoot, functionInstance, type TaskRoot } from './support/function-stack';
import { hostileString } from './support/hostile-values';
import { crashReason } from './support/outcome';
import { createScratchDatabase, type ScratchDatabase } from './support/scratch-database';
import { compareSnapshotWith } from './support/snapshot-contents';
import { SHOP_MIGRATIONS, SHOP_SEED_SQL, SHOP_VERSIONS } from './support/shop-fixture';

const AREA = 'injection';
const SNAPSHOT_ID = '20250314T091500Z-3fa9c01b';

describe('snapshot keys and ids', () => {
  const name = fc.oneof(hostileString, fc.constantFrom('..', '.', '/', 'a/b', '../x', '%2F', 'manifest.json', 'tables', 'x.y', '"q"'));

  it('keep every key under its snapshot, one segment per table, and read back to the same names', () => {
    let fuzzed = 0;
    let crashes = 0;
    const problems: string[] = [];
    fc.assert(
      fc.property(fc.constantFrom('', 'snapshots/', 'db/app/'), name, name, name, fc.constantFrom('record' as const, 'json' as const), (prefix, database, schema, table, format) => {
        fuzzed++;
        let key: string;
        try {
          key = tableObjectKey({ prefix, database }, SNAPSHOT_ID, { schema, table }, format);
        } catch (error) {
          if (crashReason(error)) crashes++;
          // Only an empty name cannot be a key segment.
          if (!(database === '' || schema === '' || table === '') || !/empty name/.test((error as Error).message)) {
            problems.push(`${JSON.stringify([database, schema, table])}: ${(error as Error).message}`);
          }
          return true;
        }
        const rest = key.slice(prefix.length).split('/');
        const ok =
          key.startsWith(prefix) &&
          rest.length === 4 &&
          rest[1] === SNAPSHOT_ID &&
          rest[2] === 'tables' &&
          !rest.some((s) => s === '.' || s === '..' || s === '') &&
          (format === 'record' ? /^[A-Za-z0-9_%-]+\.[A-Za-z0-9_%-]+\.records\.gz$/ : /^[A-Za-z0-9_%-]+\.[A-Za-z0-9_%-]+\.jsonl\.gz$/).test(rest[3]!);
        if (!ok) problems.push(`${JSON.stringify([database, schema, table])} → ${key}`);
        const parsed = parseSnapshotKey({ prefix, database }, key);
        if (!parsed || parsed.kind !== 'table' || parsed.name.schema !== schema || parsed.name.table !== table) problems.push(`${key} reads back as ${JSON.stringify(parsed)}`);
        return true;
      }),
      { numRuns: 3000 },
    );
    recordFigures(AREA, { inputsFuzzed: fuzzed, crashes });
    expect(problems).toEqual([]);
  });

  it('refuse any snapshot id that is not a snapshot id before building a key', () => {
    let fuzzed = 0;
    let crashes = 0;
    const ids = fc.oneof(hostileString, fc.constantFrom('../20250314T091500Z-3fa9c01b', '20250314T091500Z-3fa9c01b/../x', '20250314T091500Z-3FA9C01B', '20250314T091500Z-3fa9c01b\n', ' 20250314T091500Z-3fa9c01b'));
    fc.assert(
      fc.property(ids, (id) => {
        fuzzed++;
        const valid = SNAPSHOT_ID_PATTERN.test(id);
        try {
          assertSnapshotId(id);
          const key = manifestKey({ prefix: 'snapshots/', database: 'app' }, id);
          return valid && key === `snapshots/app/${id}/manifest.json`;
        } catch (error) {
          if (crashReason(error)) crashes++;
          return !valid && /^snapshotId: .* is not a snapshot id/.test((error as Error).message);
        }
      }),
      { numRuns: 2000 },
    );
    recordFigures(AREA, { inputsFuzzed: fuzzed, crashes });
  });
});

/** Tables whose names are SQL, paths and key look-alikes; each gets rows of hostile values. */
const HOSTILE_TABLES = [
  `x'); DROP TABLE canary; --`,
  `../../../escape`,
  `a/b\\c`,
  `%2F%2E%2E`,
  `$$ DROP TABLE canary $$`,
  `日本語 テーブル`,
  `.`,
  `manifest.json`,
  `Robert"); DROP TABLE canary;--`,
];
const HOSTILE_COLUMN = `v"; DROP TABLE canary; --`;
const HOSTILE_VALUES = [
  `'); DROP TABLE canary; --`,
  `$$; DROP TABLE canary; $$`,
  `\\'; DROP TABLE canary; --`,
  `line one\nline two\r\n`,
  `{"json": "breaker"}\n{"another": 1}`,
  `\\u0000 not a NUL`,
  `tab\there`,
  `emoji 🦕 and RTL \u202e`,
  `:name :v :id`,
  `$1 $2 ?`,
];

const quote = (identifier: string) => `"${identifier.replace(/"/g, '""')}"`;
const literal = (value: string) => `'${value.replace(/'/g, "''")}'`;

describe('hostile names and values in a real database', () => {
  const BUCKET = 'rds-migrate-snapshots';
  let db: ScratchDatabase;
  let api: LocalDataApi;
  let s3: LocalS3;
  let task: TaskRoot;
  let before: DatabaseState;
  beforeAll(async () => {
    db = await createScratchDatabase(inject('pgAdminUrl'), 'rel_injection');
    await db.sql(SHOP_SEED_SQL);
    await db.sql(`CREATE TABLE canary (id int PRIMARY KEY, note text); INSERT INTO canary VALUES (1, 'still here');`);
    for (const table of HOSTILE_TABLES) {
      await db.sql(`CREATE TABLE ${quote(table)} (id int PRIMARY KEY, ${quote(HOSTILE_COLUMN)} text)`);
      await db.sql(`INSERT INTO ${quote(table)} VALUES ${HOSTILE_VALUES.map((v, i) => `(${i + 1}, ${literal(v)})`).join(', ')}`);
    }
    before = await captureState(db);
    api = await startLocalDataApi({ postgresUrl: db.url });
    s3 = await startLocalS3();
    await s3.createBucket(BUCKET);
    task = await compileTaskRoot(SHOP_MIGRATIONS);
  }, 120_000);
  afterAll(async () => {
    await api?.close();
    await s3?.close();
    await task?.remove();
    await db?.drop();
  });

  it('snapshot every table and row exactly under its prefix, and alter nothing but what the migrations change', async () => {
    const fn = functionInstance({ dataApi: api, database: db.name, taskRoot: task, s3Endpoint: s3.endpoint, bucket: BUCKET, functionName: 'injection' });
    let report: MigrateActionReport;
    try {
      report = (await fn.invoke({ action: 'migrate' })) as MigrateActionReport;
    } finally {
      fn.destroy();
    }
    expect(report.ok).toBe(true);
    expect(report.migrate.applied.map((m) => m.version)).toEqual([...SHOP_VERSIONS]);
    const snapshot = report.snapshot!;
    // The database name (rel_injection_<hex>) is its own key segment.
    const base = `snapshots/${db.name}/${snapshot.snapshotId}/tables/`;
    const problems: string[] = [];
    for (const t of snapshot.tables) if (!t.key.startsWith(base) || t.key.slice(base.length).includes('/')) problems.push(`${t.table}: key ${t.key}`);
    expect(snapshot.tables.map((t) => t.table).sort()).toEqual([...before.tables.keys()].sort());
    const contents = await compareSnapshotWith(s3, snapshot.manifest, before, db.url);
    problems.push(...contents.problems);

    // Every hostile table as it was, the canary too.
    const after = await captureState(db, { volatileColumns: { 'public.account_events': ['id'] } });
    let rowsChecked = 0;
    let rowsLost = 0;
    for (const table of ['canary', ...HOSTILE_TABLES].map((t) => `public.${t}`)) {
      const want = before.tables.get(table) ?? [];
      const got = after.tables.get(table) ?? [];
      rowsChecked += want.length;
      rowsLost += want.filter((row) => !got.includes(row)).length;
      if (got.length !== want.length) problems.push(`${table}: ${got.length} rows, ${want.length} before`);
    }
    recordFigures(AREA, { inputsFuzzed: HOSTILE_TABLES.length * (1 + HOSTILE_VALUES.length), rowsChecked: rowsChecked + contents.rowsChecked, rowsLost: rowsLost + contents.rowsLost });
    expect(problems).toEqual([]);
    expect(rowsLost).toBe(0);
  }, 120_000);
});
