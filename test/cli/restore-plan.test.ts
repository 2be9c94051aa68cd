import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PgDriver } from '../../lambda/driver/pg/pg-driver';
import { createHandler } from '../../lambda/function/create-handler';
import { writeBundleFile } from '../../lambda/migrations/write-bundle';
import { startLocalS3, type LocalS3 } from '../../local/s3/local-s3';
import { createTestDatabase, urlFor, type TestDatabase } from '../support/database';
import { functionEnv, startLocalLambdaEndpoint, type LocalLambdaEndpoint } from './support/local-lambda-endpoint';
import { createProject, type TestProject } from './support/project';
import { runCli } from './support/run-cli';

/**
 * `restore <id> --dry-run` (and `invoke restore --dry-run`) against a real PostgreSQL and a local S3: a
 * parent (zones), a child referencing it whose name sorts first (accounts, with a user trigger), and a
 * table referencing itself (employees, a foreign-key cycle of one), so that the load order, the triggers
 * and the cycles of the plan all show.
 */
const MIGRATIONS: Readonly<Record<string, string>> = {
  '0001_create_shop/up.sql': `CREATE TABLE zones (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL);
CREATE TABLE accounts (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, zone_id bigint NOT NULL REFERENCES zones (id), email text NOT NULL);
CREATE TABLE employees (id bigint PRIMARY KEY, manager_id bigint REFERENCES employees (id), name text NOT NULL);
CREATE FUNCTION accounts_lowercase() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.email := lower(NEW.email);
  RETURN NEW;
END
$$;
CREATE TRIGGER accounts_lowercase BEFORE INSERT OR UPDATE ON accounts FOR EACH ROW EXECUTE FUNCTION accounts_lowercase();
INSERT INTO zones (name) SELECT 'zone-' || g FROM generate_series(1, 3) AS g;
INSERT INTO accounts (zone_id, email) SELECT 1 + g % 3, 'User' || g || '@example.com' FROM generate_series(1, 40) AS g;
INSERT INTO employees VALUES (1, NULL, 'ceo'), (2, 1, 'cto'), (3, 2, 'dev'), (4, 2, 'dev'), (5, 1, 'cfo');
`,
  '0001_create_shop/down.sql': 'DROP TABLE employees, accounts, zones;\nDROP FUNCTION accounts_lowercase();\n',
  '0002_add_account_note/up.sql': 'ALTER TABLE accounts ADD COLUMN note text;\n',
  '0002_add_account_note/down.sql': 'ALTER TABLE accounts DROP COLUMN note;\n',
};

const BUCKET = 'plan-snapshots';
const TABLES = ['zones', 'accounts', 'employees'] as const;
let db: TestDatabase;
let s3: LocalS3;
let project: TestProject;
/** The snapshot at 0002, the database's version; the rows changed after it. */
let sid: string;
/** A snapshot at 0001, another schema version than the database's. */
let oldId: string;
/** A digest of each table's rows, after the changes that followed the snapshot. */
let changed: Record<string, string>;

const flags = () => ['--database-url', db.url, '--snapshot-bucket', BUCKET, '--s3-endpoint', s3.endpoint];
const cli = (...args: string[]) => runCli([...args, ...flags()], { cwd: project.dir });
async function digests(schema = 'public'): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const table of TABLES) out[table] = (await db.sql(`SELECT count(*) || ':' || md5(coalesce(string_agg(t::text, ',' ORDER BY t.id), '')) AS d FROM ${schema}.${table} t`)).rows[0].d;
  return out;
}
const count = async (sql: string) => Number((await db.sql(sql)).rows[0].n);
const lockRows = () => count('SELECT count(*) AS n FROM rds_migrate.lock');
const historyRows = () => count('SELECT count(*) AS n FROM rds_migrate.schema_history');
const schemaExists = async (name: string) => (await count(`SELECT count(*) AS n FROM pg_namespace WHERE nspname = '${name}'`)) === 1;
async function snapshot(): Promise<string> {
  const run = await cli('snapshot', '--json');
  if (run.code !== 0) throw new Error(`snapshot failed: ${run.stderr}`);
  return run.json().snapshot.snapshotId as string;
}

beforeAll(async () => {
  db = await createTestDatabase('cli_restore_plan');
  s3 = await startLocalS3();
  await s3.createBucket(BUCKET);
  project = await createProject('restore-plan');
  for (const [file, sql] of Object.entries(MIGRATIONS)) await project.write(`migrations/${file}`, sql);
  // Migrated without the bucket: no snapshot of its own before each migration.
  const first = await runCli(['migrate', '--to', '0001', '--database-url', db.url], { cwd: project.dir });
  if (first.code !== 0) throw new Error(`fixture migrate failed: ${first.stderr}`);
  oldId = await snapshot();
  const rest = await runCli(['migrate', '--database-url', db.url], { cwd: project.dir });
  if (rest.code !== 0) throw new Error(`fixture migrate failed: ${rest.stderr}`);
  sid = await snapshot();
  // After the snapshot: rows a restore would put back. accounts and zones analysed (the catalog's estimate
  // of their rows is then exact), employees never.
  await db.sql(`DELETE FROM accounts WHERE id > 30;
    UPDATE zones SET name = upper(name);
    UPDATE employees SET name = name || '!' WHERE id = 3;
    ANALYZE zones; ANALYZE accounts`);
  changed = await digests();
}, 180_000);
afterAll(async () => {
  await db?.drop();
  await s3?.close();
  await project?.dispose();
});

describe('restore --dry-run', () => {
  it('prints the tables the restore would empty and load, parents first, with their rows, and changes nothing', async () => {
    const history = await historyRows();
    const run = await cli('restore', sid, '--dry-run');
    expect(run.code, run.stderr).toBe(0);
    const out = run.stdout;
    expect(out).toMatch(
      new RegExp(`^Dry run: restore of snapshot ${sid} of ${db.name} into ${db.name} \\(schema version 0002, taken \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z, exported in [\\d.]+ m?s\\) would run in one transaction; nothing was changed\\.$`, 'm'),
    );
    expect(out).toMatch(/^ *# +TABLE +ROWS +NOW +BYTES +NOTES$/m);
    // Load order: zones (referenced by accounts) before accounts, although the snapshot lists accounts first.
    expect(out).toMatch(/^ *1 +public\.zones +3 +about 3 +\d+ B$/m);
    expect(out).toMatch(/^ *2 +public\.accounts +40 +about 30 +[\d.]+ (B|KiB) +triggers disabled: accounts_lowercase$/m);
    expect(out).toMatch(/^ *3 +public\.employees +5 +never analysed +\d+ B +cycle: public\.employees\.employees_manager_id_fkey deferred$/m);
    expect(out).toContain('2 sequence(s) would be reset to their snapshot values: public.accounts_id_seq, public.zones_id_seq.');
    expect(out).toMatch(/^48 row\(s\), [\d.]+ (B|KiB) of lines in 3 table\(s\) would replace their current rows\.$/m);

    // Nothing changed: the rows as they were after the snapshot (not the snapshot's), no lock, no history row.
    expect(await digests()).toEqual(changed);
    expect(await lockRows()).toBe(0);
    expect(await historyRows()).toBe(history);
  });

  it('--json: the function\'s report, dryRun true, plan.tables in load order', async () => {
    const run = await cli('restore', sid, '--dry-run', '--json');
    expect(run.code, run.stderr).toBe(0);
    const report = run.json();
    expect(report).toMatchObject({
      action: 'restore',
      dryRun: true,
      plan: { snapshotId: sid, database: db.name, sourceDatabase: db.name, schemaVersion: '0002', transaction: 'single', totalRows: 48, skipped: [] },
    });
    expect(report.plan).not.toHaveProperty('schema');
    const names = (report.plan.tables as Array<{ schema: string; table: string }>).map((t) => `${t.schema}.${t.table}`);
    expect(names).toEqual(['public.zones', 'public.accounts', 'public.employees']);
    expect(report.plan.tables[1]).toMatchObject({ table: 'accounts', rows: 40, rowsNow: 30, triggersDisabled: ['accounts_lowercase'] });
    expect(report.plan.tables[1]).not.toHaveProperty('cycle');
    expect(report.plan.tables[2]).toMatchObject({ table: 'employees', rows: 5, rowsNow: -1, cycle: ['public.employees.employees_manager_id_fkey'] });
    expect(report.plan.sequences).toEqual(['public.accounts_id_seq', 'public.zones_id_seq']);
    expect(report.plan.totalBytes).toBe(report.plan.tables.reduce((sum: number, t: { bytes: number }) => sum + t.bytes, 0));
    expect(await digests()).toEqual(changed);
  });

  it('takes no lock: it plans while another runner holds the lock, which a restore would not get (exit 3)', async () => {
    await db.sql("INSERT INTO rds_migrate.lock (id, owner, token, acquired_at, expires_at, heartbeat_at) VALUES (1, 'cli:dev@laptop', 't', now(), now() + interval '1 hour', now())");
    try {
      const dry = await cli('restore', sid, '--dry-run', '--json');
      expect(dry.code, dry.stderr).toBe(0);
      expect(dry.json().dryRun).toBe(true);
      const real = await cli('restore', sid, '--confirm', sid, '--json');
      expect(real.code).toBe(3);
      expect(real.json().error.name).toBe('LockHeldError');
      expect((await db.sql('SELECT owner, token FROM rds_migrate.lock')).rows).toEqual([{ owner: 'cli:dev@laptop', token: 't' }]);
    } finally {
      await db.sql('DELETE FROM rds_migrate.lock');
    }
    expect(await digests()).toEqual(changed);
  });

  it('--confirm is not needed, but one given must repeat the snapshot id (exit 4); a bucket is still required', async () => {
    const [mismatch, noBucket, repeated] = await Promise.all([
      cli('restore', sid, '--dry-run', '--confirm', '20250314T091500Z-00000000'),
      runCli(['restore', sid, '--dry-run', '--database-url', db.url], { cwd: project.dir }),
      cli('restore', sid, '--dry-run', '--confirm', sid, '--json'),
    ]);
    expect(mismatch.code).toBe(4);
    expect(mismatch.stderr).toContain(`does not repeat the snapshot id ${sid}; nothing was restored`);
    expect(noBucket.code).toBe(4);
    expect(noBucket.stderr).toContain('--snapshot-bucket is required');
    expect(repeated.code, repeated.stderr).toBe(0);
    expect(repeated.json()).toMatchObject({ dryRun: true, plan: { snapshotId: sid } });
    expect(await digests()).toEqual(changed);
  });

  it('a snapshot of another schema version is refused as the restore refuses it, nothing changed (exit 1)', async () => {
    const dry = await cli('restore', oldId, '--dry-run', '--json');
    expect(dry.code).toBe(1);
    expect(dry.json().error).toMatchObject({ name: 'RestoreError', exitCode: 1 });
    expect(dry.json().error.message).toBe(
      `Restore of snapshot ${oldId} refused: the snapshot was taken at schema version 0001, the database is at 0002: ` +
        'bring the database to version 0001 first (rollback or migrate), or restore into another database; nothing was changed',
    );
    const real = await cli('restore', oldId, '--confirm', oldId, '--json');
    expect(real.code).toBe(1);
    expect(real.json().error.message).toBe(dry.json().error.message);
    const text = await cli('restore', oldId, '--dry-run');
    expect(text.code).toBe(1);
    expect(text.stdout).toBe('');
    expect(text.stderr).toContain('refused: the snapshot was taken at schema version 0001');
    expect(await digests()).toEqual(changed);
  });

  it('a snapshot with a table object missing, or none at all, is refused as the restore refuses it (exit 1)', async () => {
    const tampered = await snapshot();
    const client = s3.client();
    await client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: `snapshots/${db.name}/${tampered}/tables/public.accounts.records.gz` }));
    const dry = await cli('restore', tampered, '--dry-run', '--json');
    expect(dry.code).toBe(1);
    expect(dry.json().error.name).toBe('RestoreError');
    expect(dry.json().error.message).toMatch(new RegExp(`^Restore of snapshot ${tampered} refused: the snapshot does not match its manifest: .*public\\.accounts.*; nothing was changed$`));
    const real = await cli('restore', tampered, '--confirm', tampered, '--json');
    expect(real.code).toBe(1);
    expect(real.json().error.message).toBe(dry.json().error.message);

    const missing = '20250314T091500Z-3fa9c01b';
    const none = await cli('restore', missing, '--dry-run', '--json');
    expect(none.code).toBe(1);
    expect(none.json().error.message).toMatch(new RegExp(`^Restore of snapshot ${missing} refused: .*; nothing was changed$`));
    expect(await digests()).toEqual(changed);
  });

  it('--target-schema: plans a copy into the new schema without creating it; an existing schema is refused', async () => {
    const run = await cli('restore', sid, '--dry-run', '--target-schema', 'inspect', '--json');
    expect(run.code, run.stderr).toBe(0);
    expect(run.json()).toMatchObject({ action: 'restore', dryRun: true, plan: { schema: 'inspect', database: db.name, totalRows: 48, sequences: [] } });
    const tables = run.json().plan.tables as Array<Record<string, unknown>>;
    expect(tables.map((t) => `${t.schema}.${t.table}`).sort()).toEqual(['inspect.accounts', 'inspect.employees', 'inspect.zones']);
    for (const t of tables) expect(t).not.toHaveProperty('rowsNow');
    expect(await schemaExists('inspect')).toBe(false);

    const text = await cli('restore', sid, '--dry-run', '--target-schema', 'inspect');
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain(`Dry run: restore of snapshot ${sid} of ${db.name} into a new schema "inspect" of ${db.name} (schema version 0002`);
    expect(text.stdout).toMatch(/^ *\d +inspect\.accounts +40 +new +[\d.]+ (B|KiB)$/m);
    expect(text.stdout).toMatch(/^48 row\(s\), [\d.]+ (B|KiB) of lines in 3 table\(s\) would be loaded into the new schema "inspect"\.$/m);
    expect(await schemaExists('inspect')).toBe(false);

    // Into a new schema the database's version does not matter, as for the restore.
    const old = await cli('restore', oldId, '--dry-run', '--target-schema', 'inspect', '--json');
    expect(old.code, old.stderr).toBe(0);
    expect(old.json().plan).toMatchObject({ schema: 'inspect', schemaVersion: '0001', totalRows: 48 });

    const existing = await cli('restore', sid, '--dry-run', '--target-schema', 'public');
    expect(existing.code).toBe(1);
    expect(existing.stderr).toContain('schema "public" already exists');
    expect(existing.stderr).toContain('nothing was changed');
    expect(await schemaExists('inspect')).toBe(false);
    expect(await digests()).toEqual(changed);
  });
});

describe('invoke restore --dry-run', () => {
  const FUNCTION = 'AppStack-MigrationsFunctionPlan';
  let lambda: LocalLambdaEndpoint;
  const invoke = (...args: string[]) => runCli(['invoke', 'restore', ...args, '--function-name', FUNCTION, '--lambda-endpoint', lambda.endpoint], { cwd: project.dir });

  beforeAll(async () => {
    process.env.POWERTOOLS_METRICS_DISABLED = 'true';
    const bundlePath = project.path('asset/migrations.json');
    await writeBundleFile(project.path('migrations'), bundlePath);
    const handler = createHandler({
      env: functionEnv({ functionName: FUNCTION, database: db.name, bundlePath, bucket: BUCKET }),
      // Another database of the server (a dry run's --target-database) is reached by its name.
      driver: (config) => new PgDriver({ connectionString: config.database === db.name ? db.url : urlFor(db.url, config.database) }),
      s3: s3.client(),
    });
    lambda = await startLocalLambdaEndpoint(FUNCTION, handler);
  });
  afterAll(async () => {
    await lambda?.close();
  });

  it('sends "dryRun": true without a confirmation and prints the function\'s plan; nothing changed', async () => {
    const run = await invoke('--snapshot-id', sid, '--dry-run', '--json');
    expect(run.code, run.stderr).toBe(0);
    expect(lambda.events.slice(-1)).toEqual([{ action: 'restore', snapshotId: sid, dryRun: true }]);
    expect(run.json()).toMatchObject({ action: 'restore', dryRun: true, plan: { snapshotId: sid, database: db.name, totalRows: 48 } });
    expect((run.json().plan.tables as Array<{ table: string }>).map((t) => t.table)).toEqual(['zones', 'accounts', 'employees']);

    const text = await invoke('--snapshot-id', sid, '--dry-run', '--target-schema', 'inspect');
    expect(text.code, text.stderr).toBe(0);
    expect(lambda.events.slice(-1)).toEqual([{ action: 'restore', snapshotId: sid, targetSchema: 'inspect', dryRun: true }]);
    expect(text.stdout).toContain(`Dry run: restore of snapshot ${sid} of ${db.name} into a new schema "inspect" of ${db.name}`);
    expect(text.stdout).toMatch(/^ *1 +inspect\.\w+ +\d+ +new /m);
    expect(await schemaExists('inspect')).toBe(false);

    const refused = await invoke('--snapshot-id', oldId, '--dry-run', '--json');
    expect(refused.code).toBe(1);
    expect(refused.json().error.message).toContain(`Restore of snapshot ${oldId} refused: the snapshot was taken at schema version 0001`);
    expect(await digests()).toEqual(changed);
    expect(await lockRows()).toBe(0);
  });

  it('a wrong --confirm with --dry-run is refused before anything is sent (exit 4)', async () => {
    const before = lambda.events.length;
    const mismatch = await invoke('--snapshot-id', sid, '--dry-run', '--confirm', '20250314T091500Z-00000000');
    expect(mismatch.code).toBe(4);
    expect(mismatch.stderr).toContain(`--confirm must repeat the snapshot id ${sid}`);
    expect(lambda.events.length).toBe(before);
  });

  it('--target-database: prints the migrations that would bring that database to the snapshot\'s version, then the tables; nothing is created there', async () => {
    const copy = await createTestDatabase('restore_plan_copy');
    try {
      const json = await invoke('--snapshot-id', sid, '--dry-run', '--target-database', copy.name, '--json');
      expect(json.code, json.stderr).toBe(0);
      expect(lambda.events.slice(-1)).toEqual([{ action: 'restore', snapshotId: sid, targetDatabase: copy.name, dryRun: true }]);
      expect(json.json()).toMatchObject({
        action: 'restore', dryRun: true,
        migrations: { current: null, target: '0002', pending: ['0001', '0002'], repeatables: [] },
        plan: { database: copy.name, sourceDatabase: db.name, schemaVersion: '0002', totalRows: 48 },
      });

      const text = await invoke('--snapshot-id', sid, '--dry-run', '--target-database', copy.name);
      expect(text.code, text.stderr).toBe(0);
      expect(text.stdout).toContain(`Dry run: restore of snapshot ${sid} of ${db.name} into ${copy.name} (schema version 0002`);
      expect(text.stdout).toContain(`First, 2 migration(s) would bring ${copy.name} from no version to the snapshot's version 0002: 0001, 0002.`);
      expect(text.stdout).toMatch(/^ *\d +public\.accounts +40 +new +[\d.]+ (B|KiB)/m);
      expect(text.stdout).toContain("In the snapshot's order (the load follows the foreign keys the migrations create).");
      expect((await copy.sql(`SELECT count(*)::int AS n FROM pg_namespace n JOIN pg_class c ON c.relnamespace = n.oid WHERE n.nspname IN ('public', 'rds_migrate')`)).rows[0].n).toBe(0);
    } finally {
      await copy.drop();
    }
  });
});
