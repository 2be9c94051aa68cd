import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { writeFixtureMigrations } from './support/fixture-migrations';
import { createProject, type TestProject } from './support/project';
import { runCli } from './support/run-cli';

let db: TestDatabase;
let project: TestProject;
/** Runs the CLI in the project against the test database. */
const cli = (...args: string[]) => runCli([...args, '--database-url', db.url], { cwd: project.dir });

const count = async (sql: string) => Number((await db.sql(sql)).rows[0].n);
const indexCount = () => count("SELECT count(*) AS n FROM pg_indexes WHERE indexname IN ('invoices_customer_idx', 'invoices_confidence_idx')");
const constraintCount = () => count("SELECT count(*) AS n FROM pg_constraint WHERE conname = 'invoices_confidence_range'");

beforeAll(async () => {
  db = await createTestDatabase('cli_migrate');
  project = await createProject('migrate');
  await writeFixtureMigrations(project);
});
afterAll(async () => {
  await db.drop();
  await project.dispose();
});

describe('status, plan, migrate --to, migrate, verify and rollback, run as a user would', () => {
  it('status: every version pending on a database that never ran migrate', async () => {
    const run = await cli('status', '--json');
    expect(run.code).toBe(0);
    expect(run.json()).toEqual({
      action: 'status',
      database: db.name,
      current: null,
      migrations: [
        { version: '0001', name: 'create_invoices', state: 'pending', file: '0001_create_invoices/up.sql' },
        { version: '0002', name: 'add_invoice_indexes', state: 'pending', file: '0002_add_invoice_indexes/up.sql' },
        { version: '0003', name: 'add_confidence_check', state: 'pending', file: '0003_add_confidence_check/up.sql' },
      ],
      pending: ['0001', '0002', '0003'],
      repeatables: [],
    });
    const human = await cli('status');
    expect(human.stdout).toMatch(/VERSION +NAME +STATE +APPLIED AT\n0001 +create_invoices +pending\n/);
    expect(human.stdout).toContain('3 pending: 0001, 0002, 0003');
  });

  it('plan --to 2: the statements migrate would run, with files and lines, changing nothing', async () => {
    const run = await cli('plan', '--to', '2', '--json');
    expect(run.code).toBe(0);
    const plan = run.json();
    expect(plan).toMatchObject({ action: 'plan', direction: 'up', current: null, target: '0002' });
    expect(plan.migrations.map((m: { version: string; transactional: boolean }) => [m.version, m.transactional])).toEqual([
      ['0001', true],
      ['0002', false],
    ]);
    type Step = { transaction: boolean; statements: Array<{ role: string; sql: string; source?: { file: string; line: number } }> };
    const scripted = (steps: Step[]) => steps.flatMap((s) => s.statements.filter((st) => st.role === 'migration').map((st) => [s.transaction, st.source!.line, st.sql.split('\n')[0]]));
    expect(scripted(plan.migrations[0].steps)).toEqual([
      [true, 2, 'CREATE TABLE invoices ('],
      [true, 9, 'INSERT INTO invoices (customer, total, confidence)'],
    ]);
    expect(scripted(plan.migrations[1].steps)).toEqual([
      [false, 2, 'CREATE INDEX CONCURRENTLY IF NOT EXISTS invoices_customer_idx ON invoices (customer)'],
      [false, 4, 'CREATE INDEX CONCURRENTLY IF NOT EXISTS invoices_confidence_idx ON invoices (confidence)'],
    ]);
    expect(await count("SELECT count(*) AS n FROM pg_namespace WHERE nspname = 'rds_migrate'")).toBe(0);

    const human = await cli('plan');
    expect(human.code).toBe(0);
    expect(human.stdout).toContain('Plan (migrate): none → 0003, 3 migration(s)');
    expect(human.stdout).toContain('0002 add_invoice_indexes (up, 0002_add_invoice_indexes/up.sql, statement by statement)');
    expect(human.stdout).toMatch(/CREATE INDEX CONCURRENTLY IF NOT EXISTS invoices_customer_idx ON invoices \(customer\);  -- 0002_add_invoice_indexes\/up\.sql:2/);
    expect(human.stdout).not.toMatch(/\u001b\[/);
  });

  it('migrate --to 0002 applies 0001 and 0002; 0003 stays pending; verification passes', async () => {
    const run = await cli('migrate', '--to', '0002', '--json');
    expect(run.code).toBe(0);
    const report = run.json();
    expect(report).toMatchObject({ action: 'migrate', database: db.name, ok: true, snapshot: null, snapshotSkipped: 'snapshots are not configured (no bucket)' });
    expect(report.migrate.applied.map((m: { version: string; statements: number }) => [m.version, m.statements])).toEqual([
      ['0001', 2],
      ['0002', 2],
    ]);
    expect(report.migrate.current).toBe('0002');
    expect(report.verification.ok).toBe(true);
    expect(await indexCount()).toBe(2);
    expect(await constraintCount()).toBe(0);
    // The log went to stderr; stdout held only the document.
    expect(run.stderr).toContain('no snapshot taken before migrating');
  });

  it('migrate applies the rest and prints a table for people; run again, nothing is pending', async () => {
    const run = await cli('migrate');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/APPLIED +NAME +STATEMENTS +TIME\n0003 +add_confidence_check +2 +\d/);
    expect(run.stdout).toContain('Applied 1 migration(s); current version 0003.');
    expect(run.stdout).toMatch(/Verification passed: \d+ check\(s\)/);
    expect(await constraintCount()).toBe(1);
    expect(await count('SELECT count(*) AS n FROM invoices WHERE confidence IS NULL')).toBe(10);

    const again = await cli('migrate', '--json');
    expect(again.code).toBe(0);
    expect(again.json()).toMatchObject({ ok: true, snapshotSkipped: 'nothing was pending', migrate: { applied: [], alreadyApplied: 3, current: '0003' } });
  });

  it('verify passes (exit 0), then fails (exit 2) naming the verify script once the constraint is gone', async () => {
    const pass = await cli('verify', '--json');
    expect(pass.code).toBe(0);
    expect(pass.json()).toMatchObject({ action: 'verify', database: db.name, verification: { ok: true } });

    await db.sql('ALTER TABLE invoices DROP CONSTRAINT invoices_confidence_range');
    const fail = await cli('verify', '--json');
    expect(fail.code).toBe(2);
    expect(fail.json().verification.ok).toBe(false);
    const checks = fail.json().verification.checks as Array<{ object?: string; passed: boolean; message: string }>;
    const script = checks.find((c) => c.object === '0003_add_confidence_check/verify.sql')!;
    expect(script.passed).toBe(false);
    expect(script.message).toContain('confidence_check_validated');

    const human = await cli('verify');
    expect(human.code).toBe(2);
    expect(human.stdout).toContain('✗ verify-script 0003_add_confidence_check/verify.sql');
    expect(human.stdout).toMatch(/Verification FAILED: \d+ of \d+ check\(s\) failed\./);

    // migrate has nothing to apply, and its verification fails the same way.
    const migrate = await cli('migrate', '--json');
    expect(migrate.code).toBe(2);
    expect(migrate.json()).toMatchObject({ ok: false, migrate: { applied: [] } });

    await db.sql('ALTER TABLE invoices ADD CONSTRAINT invoices_confidence_range CHECK (confidence IS NULL OR confidence BETWEEN 0 AND 100)');
    expect((await cli('verify')).code).toBe(0);
  });

  it('rollback --to 0002 --dry-run shows the down script and changes nothing', async () => {
    const run = await cli('rollback', '--to', '0002', '--dry-run', '--json');
    expect(run.code).toBe(0);
    const plan = run.json();
    expect(plan).toMatchObject({ action: 'plan', direction: 'down', current: '0003', target: '0002' });
    expect(plan.migrations.map((m: { version: string; file: string }) => [m.version, m.file])).toEqual([['0003', '0003_add_confidence_check/down.sql']]);
    expect(await constraintCount()).toBe(1);
  });

  it('rollback --to 0002 reverts 0003, which is pending again; the fingerprint follows, so verify sees no drift', async () => {
    const run = await cli('rollback', '--to', '0002', '--json');
    expect(run.code).toBe(0);
    expect(run.json()).toMatchObject({
      action: 'rollback',
      ok: true,
      snapshot: null,
      rollback: { reverted: [expect.objectContaining({ version: '0003', statements: 1 })], current: '0002' },
      fingerprint: { version: '0002' },
      verification: { ok: true },
    });
    expect(await constraintCount()).toBe(0);
    expect((await cli('status', '--json')).json()).toMatchObject({ current: '0002', pending: ['0003'] });
    // The dropped constraint is the rollback's doing, not drift (the function's rollback action records the fingerprint).
    const verify = await cli('verify', '--json');
    const drift = (verify.json().verification.checks as Array<{ check: string; passed: boolean }>).filter((c) => c.check === 'drift' && !c.passed);
    expect(drift).toEqual([]);
  });

  it('bad rollback and migrate targets are bad input (exit 4) and change nothing', async () => {
    // Read-only refusals: run side by side.
    const [missing, above, below, unknown, malformed] = await Promise.all([
      cli('rollback'),
      cli('rollback', '--to', '0003', '--json'),
      cli('migrate', '--to', '0001'),
      cli('migrate', '--to', '0099'),
      cli('plan', '--to', '2a'),
    ]);
    expect(missing.code).toBe(4);
    expect(missing.stderr).toContain('--to <version> is required');
    expect(above.code).toBe(4);
    expect(above.json().error.message).toBe('--to: targetVersion 0003 is above the current version 0002: use migrate to go up');
    expect(below.code).toBe(4);
    expect(below.stderr).toContain('--to: 0001 is below the current version 0002; use `rds-migrate rollback --to 0001` to go down');
    expect(unknown.code).toBe(4);
    expect(unknown.stderr).toContain('--to: 0099 is not a migration of the migrations folder (versions: 0001, 0002, 0003)');
    expect(malformed.code).toBe(4);
    expect(malformed.stderr).toContain('--to: "2a" is not a version');
    expect((await cli('status', '--json')).json()).toMatchObject({ current: '0002', pending: ['0003'] });
  });
});
