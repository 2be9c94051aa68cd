import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalS3, type LocalS3 } from '../../local/s3/local-s3';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { writeFixtureMigrations } from './support/fixture-migrations';
import { createProject, type TestProject } from './support/project';
import { runCli, runCliOnTerminal } from './support/run-cli';

const BUCKET = 'cli-snapshots';
let db: TestDatabase;
let s3: LocalS3;
let project: TestProject;
/** The target and the local S3. No AWS variables are set: loopback endpoints get local defaults. */
const flags = () => ['--database-url', db.url, '--snapshot-bucket', BUCKET, '--s3-endpoint', s3.endpoint];
const cli = (...args: string[]) => runCli([...args, ...flags()], { cwd: project.dir });

beforeAll(async () => {
  db = await createTestDatabase('cli_snapshot');
  s3 = await startLocalS3();
  await s3.createBucket(BUCKET);
  project = await createProject('snapshot');
  await writeFixtureMigrations(project);
  const run = await runCli(['migrate', '--to', '0001', '--database-url', db.url], { cwd: project.dir });
  if (run.code !== 0) throw new Error(`fixture migrate failed: ${run.stderr}`);
  await db.sql('ANALYZE invoices');
});
afterAll(async () => {
  await db.drop();
  await s3.close();
  await project.dispose();
});

describe('snapshot and snapshots against a local S3', () => {
  let first: string;

  it('snapshot needs a bucket (exit 4)', async () => {
    const run = await runCli(['snapshot', '--database-url', db.url, '--json'], { cwd: project.dir });
    expect(run.code).toBe(4);
    expect(run.json().error.message).toContain('--snapshot-bucket is required');
  });

  it('snapshot exports the tables with the manifest last, and reports it as the function does', async () => {
    const run = await cli('snapshot', '--json');
    expect(run.code).toBe(0);
    const report = run.json();
    expect(report).toMatchObject({ action: 'snapshot', database: db.name });
    first = report.snapshot.snapshotId;
    expect(first).toMatch(/^\d{8}T\d{6}Z-[0-9a-f]{8}$/);
    expect(report.snapshot).toMatchObject({
      manifest: `s3://${BUCKET}/snapshots/${db.name}/${first}/manifest.json`,
      schemaVersion: '0001',
      totalRows: 500,
      tables: [{ table: 'public.invoices', rows: 500, key: `snapshots/${db.name}/${first}/tables/public.invoices.records.gz` }],
    });
  });

  it('migrate takes a snapshot before the first pending migration', async () => {
    const run = await cli('migrate', '--json');
    expect(run.code).toBe(0);
    const report = run.json();
    expect(report.snapshot).toMatchObject({ schemaVersion: '0001', totalRows: 500 });
    expect(report.snapshot.snapshotId).not.toBe(first);
    expect(report.migrate.current).toBe('0003');
  });

  it('snapshots lists the complete ones, newest first, with what their manifests record', async () => {
    const run = await cli('snapshots', '--json');
    expect(run.code).toBe(0);
    const report = run.json();
    expect(report).toMatchObject({ action: 'snapshots', database: db.name, bucket: BUCKET, prefix: 'snapshots/', total: 2 });
    expect(report.snapshots).toHaveLength(2);
    expect(report.snapshots[1]).toMatchObject({ snapshotId: first, schemaVersion: '0001', tables: 1, totalRows: 500 });
    expect(report.snapshots[0].snapshotId > first).toBe(true);
    expect(report.snapshots[0].bytes).toBeGreaterThan(0);

    const limited = await cli('snapshots', '--limit', '1');
    expect(limited.code).toBe(0);
    expect(limited.stdout).toMatch(/SNAPSHOT +SCHEMA VERSION +TABLES +ROWS +SIZE +COMPLETED\n\S+ +0001 +1 +500 /);
    expect(limited.stdout).toContain('1 older snapshot(s) not shown (--limit 1).');
    expect(limited.stdout).toContain(report.snapshots[0].snapshotId);
    expect(limited.stdout).not.toContain(first);
  });

  it('a snapshot on a terminal shows a progress bar on stderr and colours stdout; NO_COLOR turns colour off', async () => {
    const run = await runCliOnTerminal(['snapshot', ...flags()], { cwd: project.dir });
    expect(run.code).toBe(0);
    // `script` merges both streams into its own output.
    expect(run.stdout).toMatch(/snapshot {2}\[[#-]{24}\] +\d+% {2}\d[\d,]* \/ 500 rows {2}[\d.]+ (B|KiB) {2}[\d,]+ rows\/s/);
    expect(run.stdout).toContain('public.invoices (1/1)');
    expect(run.stdout).toMatch(/\u001b\[1mSnapshot\u001b\[22m \d{8}T/);

    const plain = await runCliOnTerminal(['status', '--database-url', db.url], { cwd: project.dir, env: { NO_COLOR: '1' } });
    expect(plain.code).toBe(0);
    expect(plain.stdout).toContain('Current version');
    expect(plain.stdout).not.toMatch(/\u001b\[\d+m/);
  });
});

describe('rollback with a bucket', () => {
  it('takes a snapshot before the first down script runs', async () => {
    const run = await cli('rollback', '--to', '0002', '--json');
    expect(run.code).toBe(0);
    expect(run.json()).toMatchObject({
      action: 'rollback',
      snapshot: { schemaVersion: '0003', totalRows: 500 },
      rollback: { reverted: [expect.objectContaining({ version: '0003' })], current: '0002' },
    });
    expect(run.json()).not.toHaveProperty('snapshotSkipped');
  });
});

describe('restore', () => {
  const id = '20250314T091500Z-3fa9c01b';

  it('checks its arguments: a snapshot id, --confirm repeating it, a bucket (exit 4)', async () => {
    const [malformed, unconfirmed, mismatch, noBucket] = await Promise.all([
      cli('restore', 'latest', '--confirm', 'latest'),
      cli('restore', id, '--json'),
      cli('restore', id, '--confirm', '20250314T091500Z-00000000'),
      runCli(['restore', id, '--confirm', id, '--database-url', db.url], { cwd: project.dir }),
    ]);
    expect(malformed.code).toBe(4);
    expect(malformed.stderr).toContain('<snapshot-id>: "latest" is not a snapshot id');
    expect(unconfirmed.code).toBe(4);
    expect(unconfirmed.json().error.message).toContain(`--confirm is required: repeat the snapshot id (--confirm ${id})`);
    expect(mismatch.code).toBe(4);
    expect(mismatch.stderr).toContain(`does not repeat the snapshot id ${id}; nothing was restored`);
    expect(noBucket.code).toBe(4);
    expect(noBucket.stderr).toContain('--snapshot-bucket is required');
  });

  it('refuses a snapshot that does not exist (exit 1), having changed nothing', async () => {
    const run = await cli('restore', id, '--confirm', id, '--json');
    expect(run.code).toBe(1);
    expect(run.json().error).toMatchObject({ name: 'RestoreError', exitCode: 1 });
    expect(run.json().error.message).toContain(id);
    expect(Number((await db.sql('SELECT count(*) AS n FROM invoices')).rows[0].n)).toBe(500);
  });

  it('restores a snapshot in place: the rows replaced, checked against the snapshot, reported as the function does', async () => {
    const digest = async () => (await db.sql('SELECT md5(string_agg(i::text, \',\' ORDER BY i.id)) AS d FROM invoices i')).rows[0].d as string;
    const snapshot = await cli('snapshot', '--json');
    expect(snapshot.code).toBe(0);
    const sid = snapshot.json().snapshot.snapshotId as string;
    const before = await digest();
    await db.sql('DELETE FROM invoices WHERE id % 3 = 0');
    await db.sql("UPDATE invoices SET customer = 'changed after the snapshot' WHERE id % 5 = 0");
    expect(await digest()).not.toBe(before);

    const run = await cli('restore', sid, '--confirm', sid, '--json');
    expect(run.code, run.stderr).toBe(0);
    expect(run.json()).toMatchObject({
      action: 'restore',
      database: db.name,
      sourceDatabase: db.name,
      restore: { snapshotId: sid, totalRows: 500, tables: [expect.objectContaining({ schema: 'public', table: 'invoices', rows: 500, verified: true })] },
    });
    expect(await digest()).toBe(before);
  });

  it('restore --target-schema: a copy into a new schema, the live rows kept', async () => {
    const digest = async (schema: string) => (await db.sql(`SELECT md5(string_agg(i::text, ',' ORDER BY i.id)) AS d FROM ${schema}.invoices i`)).rows[0].d as string;
    const snapshot = await cli('snapshot', '--json');
    const sid = snapshot.json().snapshot.snapshotId as string;
    const before = await digest('public');
    await db.sql("UPDATE invoices SET customer = 'changed after the snapshot' WHERE id % 4 = 0");
    const live = await digest('public');

    const run = await cli('restore', sid, '--confirm', sid, '--target-schema', 'inspect', '--json');
    expect(run.code, run.stderr).toBe(0);
    expect(run.json()).toMatchObject({ action: 'restore', database: db.name, schema: 'inspect', restore: { totalRows: 500, tables: [expect.objectContaining({ schema: 'inspect', table: 'invoices' })] } });
    expect(await digest('inspect')).toBe(before);
    expect(await digest('public')).toBe(live);
    const again = await cli('restore', sid, '--confirm', sid, '--target-schema', 'inspect');
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('schema "inspect" already exists');
    // The copy puts the live rows back as they were, for the tests after this one.
    await db.sql('UPDATE invoices i SET customer = c.customer FROM inspect.invoices c WHERE c.id = i.id; DROP SCHEMA inspect CASCADE');
    expect(await digest('public')).toBe(before);
  });

  it('restore on a terminal shows a progress bar of the manifest\'s rows and bytes on stderr; none with --json', async () => {
    const sid = (await cli('snapshot', '--json')).json().snapshot.snapshotId as string;
    const run = await runCliOnTerminal(['restore', sid, '--confirm', sid, ...flags()], { cwd: project.dir });
    expect(run.code, run.stdout).toBe(0);
    // `script` merges both streams into its own output.
    expect(run.stdout).toMatch(/restore {2}\[#{24}\] +100% {2}500 \/ 500 rows {2}([\d.]+) KiB \/ \1 KiB {2}[\d,]+ rows\/s {2}public\.invoices \(1\/1\)/);
    expect(run.stdout).toContain(` snapshot ${sid} of ${db.name} into ${db.name}`);

    const json = await runCliOnTerminal(['restore', sid, '--confirm', sid, '--json', ...flags()], { cwd: project.dir });
    expect(json.code, json.stdout).toBe(0);
    expect(json.stdout).toMatch(/"action":\s*"restore"/);
    expect(json.stdout).not.toMatch(/restore {2}[[\d]/);
  });
});
