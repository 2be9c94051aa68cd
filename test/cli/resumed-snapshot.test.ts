/**
 * `rds-migrate migrate` resuming a statement-by-statement migration that failed at its second
 * statement: no new snapshot, and the output names the one taken before the failed run, with why
 * (`snapshotReused` in `--json`, a `Snapshot ... reused` block for people).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalS3, type LocalS3 } from '../../local/s3/local-s3';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { createProject, type TestProject } from './support/project';
import { runCli } from './support/run-cli';

const BUCKET = 'cli-resumed';
let s3: LocalS3;
let project: TestProject;

beforeAll(async () => {
  s3 = await startLocalS3();
  await s3.createBucket(BUCKET);
  project = await createProject('resumed');
  await project.write('migrations/0001_create_orders/up.sql', 'CREATE TABLE orders (id int PRIMARY KEY, amount int NOT NULL);\n');
  await project.write(
    'migrations/0002_orders_amount_check/up.sql',
    `-- rds-migrate: transaction=off
ALTER TABLE orders ADD COLUMN note text;

ALTER TABLE orders ADD CONSTRAINT orders_amount_non_negative CHECK (amount >= 0);
`,
  );
});
afterAll(async () => {
  await s3?.close();
  await project?.dispose();
});

/** A database at 0001 whose 0002 failed at its second statement (one negative amount), then fixed. */
async function failedAtStatementTwo(): Promise<{ db: TestDatabase; snapshotId: string; cli: (...args: string[]) => ReturnType<typeof runCli> }> {
  const db = await createTestDatabase('cli_resumed');
  const cli = (...args: string[]) =>
    runCli([...args, '--database-url', db.url, '--snapshot-bucket', BUCKET, '--s3-endpoint', s3.endpoint], { cwd: project.dir });
  expect((await runCli(['migrate', '--to', '0001', '--database-url', db.url], { cwd: project.dir })).code).toBe(0);
  await db.sql('INSERT INTO orders SELECT g, CASE WHEN g = 7 THEN -1 ELSE g END FROM generate_series(1, 100) AS g');
  const failed = await cli('migrate', '--json');
  expect(failed.code).toBe(1);
  expect(failed.json().error.message).toContain('0002_orders_amount_check/up.sql');
  const listed = await cli('snapshots', '--json');
  const snapshots = listed.json().snapshots as Array<{ snapshotId: string }>;
  expect(snapshots).toHaveLength(1);
  await db.sql('UPDATE orders SET amount = 1 WHERE id = 7');
  return { db, snapshotId: snapshots[0]!.snapshotId, cli };
}

describe('migrate resuming a migration failed at a statement', () => {
  it('--json: no new snapshot; snapshotReused names the one taken before it, with why', async () => {
    const { db, snapshotId, cli } = await failedAtStatementTwo();
    try {
      const run = await cli('migrate', '--json');
      expect(run.code, run.stderr).toBe(0);
      const report = run.json();
      expect(report.migrate.applied.map((m: { version: string }) => m.version)).toEqual(['0002']);
      expect(report.snapshot).toBeNull();
      expect(report.snapshotSkipped).toBeUndefined();
      expect(report.snapshotReused).toMatchObject({
        snapshotId,
        manifest: `s3://${BUCKET}/snapshots/${db.name}/${snapshotId}/manifest.json`,
        schemaVersion: '0001',
        scope: 'full',
        taken: 'before-start',
        resumes: { version: '0002', name: 'orders_amount_check', state: 'failed' },
      });
      expect(report.snapshotReused.reason).toMatch(/^resumes 0002 \(orders_amount_check\), started \S+Z and failed at statement 2; snapshot \S+ was taken before it started/);
      expect((await cli('snapshots', '--json')).json().snapshots.map((s: { snapshotId: string }) => s.snapshotId)).toEqual([snapshotId]);
    } finally {
      await db.drop();
    }
  });

  it('for people: the reused snapshot, its manifest and the reason', async () => {
    const { db, snapshotId, cli } = await failedAtStatementTwo();
    try {
      const run = await cli('migrate');
      expect(run.code, run.stderr).toBe(0);
      const lines = run.stdout.split('\n');
      expect(lines[1]).toMatch(new RegExp(`^Snapshot ${snapshotId} reused \\(schema version 0001, scope full, taken \\S+Z\\)$`));
      expect(lines[2]).toBe(`Manifest s3://${BUCKET}/snapshots/${db.name}/${snapshotId}/manifest.json`);
      expect(lines[3]).toMatch(/^No new snapshot: this run resumes 0002 \(orders_amount_check\), started \S+Z and failed at statement 2; .* it is the state this run changes\.$/);
    } finally {
      await db.drop();
    }
  });
});
