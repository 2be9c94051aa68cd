import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { FIXTURE_MIGRATIONS, writeFixtureMigrations } from './support/fixture-migrations';
import { createProject, type TestProject } from './support/project';
import { runCli } from './support/run-cli';

let db: TestDatabase;
let project: TestProject;
const cli = (database: TestDatabase, ...args: string[]) => runCli([...args, '--database-url', database.url], { cwd: project.dir });

beforeAll(async () => {
  db = await createTestDatabase('cli_history');
  project = await createProject('history');
  await writeFixtureMigrations(project);
  const run = await cli(db, 'migrate', '--to', '0002', '--applied-by', 'ci-pipeline-42');
  if (run.code !== 0) throw new Error(`fixture migrate failed: ${run.stderr}`);
});
afterAll(async () => {
  await db.drop();
  await project.dispose();
});

describe('schema history problems and their way out', () => {
  it('records --applied-by in the schema history', async () => {
    const { rows } = await db.sql('SELECT DISTINCT applied_by FROM rds_migrate.schema_history');
    expect(rows).toEqual([{ applied_by: 'ci-pipeline-42' }]);
  });

  it('an applied up.sql edited afterwards: migrate refuses (exit 4) naming the file and checksums; repair accepts it', async () => {
    await project.write('migrations/0002_add_invoice_indexes/up.sql', `${FIXTURE_MIGRATIONS['0002_add_invoice_indexes/up.sql']}-- reviewed\n`);
    const refused = await cli(db, 'migrate', '--json');
    expect(refused.code).toBe(4);
    const error = refused.json().error;
    expect(error).toMatchObject({ name: 'HistoryValidationError', command: 'migrate', exitCode: 4 });
    expect(error.problems).toEqual([
      expect.objectContaining({ kind: 'changed', version: '0002', file: '0002_add_invoice_indexes/up.sql', expected: expect.stringMatching(/^[0-9a-f]{64}$/) }),
    ]);
    expect(refused.stderr).toContain('0002_add_invoice_indexes/up.sql was changed after it was applied');
    expect((await cli(db, 'status', '--json')).json().migrations[1]).toMatchObject({ version: '0002', state: 'changed' });

    const repaired = await cli(db, 'repair', '--json');
    expect(repaired.code).toBe(0);
    expect(repaired.json()).toMatchObject({
      action: 'repair',
      acceptedChecksums: [{ version: '0002', file: '0002_add_invoice_indexes/up.sql', previous: error.problems[0].expected }],
      removedFailed: [],
    });
    const nothing = await cli(db, 'repair');
    expect(nothing.stdout).toContain('Nothing to repair');
    expect((await cli(db, 'status', '--json')).json().migrations[1]).toMatchObject({ version: '0002', state: 'applied' });
  });

  it('a failing migration exits 1 naming version, file, line and SQLSTATE, and leaves nothing of it applied', async () => {
    await project.write('migrations/0004_add_currency/up.sql', 'ALTER TABLE invoices ADD COLUMN currency text;\n\nUPDATE invoice SET currency = \'PLN\';\n');
    const run = await cli(db, 'migrate', '--json');
    expect(run.code).toBe(1);
    expect(run.json().error).toMatchObject({
      name: 'MigrationError',
      exitCode: 1,
      version: '0004',
      file: '0004_add_currency/up.sql',
      line: 3,
      statement: 2,
      sqlState: '42P01',
      completed: ['0003'],
      statementsLeftApplied: 0,
    });
    expect(run.stderr).toMatch(/error: Migration 0004 \(add_currency\) failed at 0004_add_currency\/up\.sql line 3, statement 2: SQLSTATE 42P01: relation "invoice" does not exist/);
    const columns = await db.sql("SELECT 1 FROM information_schema.columns WHERE table_name = 'invoices' AND column_name = 'currency'");
    expect(columns.rowCount).toBe(0);
    expect((await cli(db, 'status', '--json')).json()).toMatchObject({ current: '0003', pending: ['0004'] });
    await project.remove('migrations/0004_add_currency');
  });

  it('a held lock: migrate exits 3 naming the holder (also after --lock-wait); unlock releases it; migrate then runs', async () => {
    await project.write('migrations/0004_add_currency/up.sql', 'ALTER TABLE invoices ADD COLUMN currency text;\n');
    await db.sql(
      "INSERT INTO rds_migrate.lock (id, owner, token, acquired_at, expires_at, heartbeat_at) VALUES (1, 'lambda:prod-migrations', 'a-token', now(), now() + interval '1 hour', now())",
    );
    const held = await cli(db, 'migrate', '--json');
    expect(held.code).toBe(3);
    expect(held.json().error).toMatchObject({ name: 'LockHeldError', exitCode: 3, holder: { owner: 'lambda:prod-migrations' } });
    expect(held.stderr).toContain('The migration lock is held by "lambda:prod-migrations"');
    const [waited, badWait] = await Promise.all([cli(db, 'repair', '--lock-wait', '1200', '--json'), cli(db, 'migrate', '--lock-lease', '10')]);
    expect(waited.code).toBe(3);
    expect(waited.json().error.waitedMs).toBeGreaterThanOrEqual(1200);
    expect(badWait.code).toBe(4);
    expect(badWait.stderr).toContain('--lock-lease: "10" must be a whole number of milliseconds of at least 1000');

    const unlocked = await cli(db, 'unlock', '--json');
    expect(unlocked.code).toBe(0);
    expect(unlocked.json()).toMatchObject({ action: 'unlock', database: db.name, released: true, holder: { owner: 'lambda:prod-migrations' } });
    const again = await cli(db, 'unlock');
    expect(again.code).toBe(0);
    expect(again.stdout).toBe('Nobody held the migration lock.\n');

    const migrated = await cli(db, 'migrate', '--json');
    expect(migrated.code).toBe(0);
    expect(migrated.json().migrate.current).toBe('0004');
    await project.remove('migrations/0004_add_currency');
  });
});

describe('baseline', () => {
  let legacy: TestDatabase;
  beforeAll(async () => {
    // A database whose first two changes were applied by hand, before rds-migrate.
    legacy = await createTestDatabase('cli_baseline');
    await legacy.sql(FIXTURE_MIGRATIONS['0001_create_invoices/up.sql']!);
    await legacy.sql('CREATE INDEX invoices_customer_idx ON invoices (customer); CREATE INDEX invoices_confidence_idx ON invoices (confidence);');
  });
  afterAll(() => legacy.drop());

  it('marks 0001 and 0002 applied without running them; migrate then applies only 0003', async () => {
    const [unknown, malformed] = await Promise.all([cli(legacy, 'baseline', '--version', '0009'), cli(legacy, 'baseline')]);
    expect(unknown.code).toBe(4);
    expect(unknown.stderr).toContain('--version: 0009 is not a migration of the migrations folder');
    expect(malformed.code).toBe(4);
    expect(malformed.stderr).toContain('--version <version> is required');

    // The index 0002 builds is missing: its verify script refutes the baseline, nothing is recorded.
    await legacy.sql('DROP INDEX invoices_confidence_idx');
    const refused = await cli(legacy, 'baseline', '--version', '2', '--json');
    expect(refused.code).toBe(4);
    expect(refused.json().error).toMatchObject({ name: 'BaselineRefusedError', version: '0002', failed: [{ object: '0002_add_invoice_indexes/verify.sql', passed: false }] });
    expect(refused.json().error.message).toMatch(/^Baseline at 0002 refused, nothing was recorded/);
    // Refused before the lock or the schema history was even created.
    expect((await legacy.sql("SELECT to_regclass('rds_migrate.schema_history') AS history")).rows[0].history).toBeNull();
    await legacy.sql('CREATE INDEX invoices_confidence_idx ON invoices (confidence)');

    const run = await cli(legacy, 'baseline', '--version', '2', '--json');
    expect(run.code).toBe(0);
    const report = run.json();
    expect(report).toMatchObject({ action: 'baseline', database: legacy.name, ok: true, baselined: ['0001', '0002'], current: '0002', fingerprint: { version: '0002' } });
    // The same action as the function's: the verify scripts proved the changes first.
    expect(report.proven.map((c: { object: string; passed: boolean }) => [c.object, c.passed])).toEqual([
      ['0001_create_invoices/verify.sql', true],
      ['0002_add_invoice_indexes/verify.sql', true],
    ]);
    const { rows } = await legacy.sql('SELECT version, type, execution_ms FROM rds_migrate.schema_history ORDER BY installed_rank');
    expect(rows).toEqual([
      { version: '0001', type: 'baseline', execution_ms: 0 },
      { version: '0002', type: 'baseline', execution_ms: 0 },
    ]);

    const again = await cli(legacy, 'baseline', '--version', '0002', '--json');
    expect(again.code).toBe(4);
    expect(again.json().error).toMatchObject({ name: 'HistoryValidationError', problems: [{ kind: 'not-empty' }] });

    const migrated = await cli(legacy, 'migrate', '--json');
    expect(migrated.code).toBe(0);
    expect(migrated.json().migrate).toMatchObject({ applied: [expect.objectContaining({ version: '0003' })], current: '0003' });
    expect(Number((await legacy.sql('SELECT count(*) AS n FROM invoices')).rows[0].n)).toBe(500);
  });
});
