import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { FIXTURE_MIGRATIONS, writeFixtureMigrations } from './support/fixture-migrations';
import { createProject, type TestProject } from './support/project';
import { runCli } from './support/run-cli';

let project: TestProject;
const lint = (...args: string[]) => runCli(['lint', ...args], { cwd: project.dir });

beforeAll(async () => {
  project = await createProject('lint');
  // 0003 adds a CHECK constraint to the existing invoices table without NOT VALID: an error finding.
  await writeFixtureMigrations(project);
});
afterAll(() => project.dispose());

describe('rds-migrate lint', () => {
  it('reports an error finding with file, line, column and the safe rewrite, and exits 1', async () => {
    const run = await lint('--json');
    expect(run.code).toBe(1);
    const report = run.json();
    expect(report).toMatchObject({ action: 'lint', migrations: 'migrations', errorCount: 1, warningCount: 0 });
    expect(report.files).toEqual(['0001_create_invoices/up.sql', '0002_add_invoice_indexes/up.sql', '0003_add_confidence_check/up.sql']);
    expect(report.findings).toEqual([
      expect.objectContaining({ ruleId: 'require-not-valid-constraint', severity: 'error', file: '0003_add_confidence_check/up.sql', line: 3, column: 26 }),
    ]);
    expect(report.findings[0].suggestion).toContain('NOT VALID');

    const human = await lint();
    expect(human.code).toBe(1);
    expect(human.stdout).toMatch(/^migrations\/0003_add_confidence_check\/up\.sql:3:26 require-not-valid-constraint CHECK constraint added to existing table invoices/m);
    expect(human.stdout).toContain('1 error, 0 warnings in 3 files');
  });

  it('a configuration can lower the rule to a warning (exit 0); a bad one is bad input (exit 4)', async () => {
    await project.write('lint.json', JSON.stringify({ rules: { 'require-not-valid-constraint': 'warning' } }));
    await project.write('bad-lint.json', JSON.stringify({ rules: { 'no-such-rule': 'off' }, smallTableRows: -1 }));
    await project.write('broken-lint.json', '{ rules: ');
    const [lowered, bad, broken, missing] = await Promise.all([
      lint('--config', 'lint.json', '--json'),
      lint('--config', 'bad-lint.json', '--json'),
      lint('--config', 'broken-lint.json'),
      lint('--config', 'nowhere.json'),
    ]);
    expect(lowered.code).toBe(0);
    expect(lowered.json()).toMatchObject({ errorCount: 0, warningCount: 1, findings: [{ severity: 'warning' }] });
    expect(bad.code).toBe(4);
    expect(bad.json().error).toMatchObject({ name: 'LintConfigError', source: 'bad-lint.json', exitCode: 4 });
    expect(bad.json().error.issues.join('\n')).toMatch(/rules\.no-such-rule: unknown rule id[\s\S]*smallTableRows: must be 0 or more rows/);
    expect(broken.code).toBe(4);
    expect(broken.stderr).toContain('--config: broken-lint.json is not JSON');
    expect(missing.code).toBe(4);
    expect(missing.stderr).toContain('--config: nowhere.json cannot be read (ENOENT)');
  });

  it('a suppression comment with its reason silences the finding', async () => {
    await writeFixtureMigrations(project, 'suppressed');
    await project.write(
      'suppressed/0003_add_confidence_check/up.sql',
      FIXTURE_MIGRATIONS['0003_add_confidence_check/up.sql']!.replace(
        'ALTER TABLE',
        '-- rds-migrate-lint-ignore require-not-valid-constraint: invoices holds a few hundred rows\nALTER TABLE',
      ),
    );
    const run = await lint('--migrations', 'suppressed', '--json');
    expect(run.code).toBe(0);
    expect(run.json()).toMatchObject({ errorCount: 0, findings: [] });
  });

  it('--baseline reads older migrations for context only', async () => {
    const [run, bad] = await Promise.all([lint('--baseline', '0003', '--json'), lint('--baseline', 'three')]);
    expect(run.code).toBe(0);
    expect(run.json()).toMatchObject({ baseline: '0003', files: [], findings: [] });
    expect(bad.code).toBe(4);
    expect(bad.stderr).toContain('--baseline: "three" is not a version');
  });

  it('a folder that breaks the layout is bad input (exit 4), naming the path', async () => {
    await writeFixtureMigrations(project, 'messy');
    await project.write('messy/notes.txt', 'todo');
    const run = await lint('--migrations', 'messy', '--json');
    expect(run.code).toBe(4);
    expect(run.json().error).toMatchObject({ name: 'MigrationCompileError', file: 'messy/notes.txt', exitCode: 4 });
  });
});

describe('rds-migrate lint with a database', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('cli_lint');
    const run = await runCli(['migrate', '--to', '0002', '--database-url', db.url], { cwd: project.dir });
    if (run.code !== 0) throw new Error(`fixture migrate failed: ${run.stderr}`);
    await db.sql('ANALYZE invoices');
  });
  afterAll(() => db.drop());

  it('lints only what is pending there, and exempts a small table (pg_class.reltuples)', async () => {
    const run = await lint('--database-url', db.url, '--json');
    expect(run.code).toBe(0);
    const report = run.json();
    expect(report).toMatchObject({ baseline: '0002', files: ['0003_add_confidence_check/up.sql'], findings: [], errorCount: 0 });
    expect(report.tableSizes).toEqual([{ table: 'invoices', rows: 500, source: 'pg_class.reltuples' }]);
    expect(report.exemptions).toEqual([expect.objectContaining({ ruleId: 'require-not-valid-constraint', table: 'invoices', rows: 500 })]);

    const human = await lint('--database-url', db.url);
    expect(human.stdout).toContain('invoices: ~500 rows (pg_class.reltuples)');
    expect(human.stdout).toContain('Versions up to 0002 read for context only (applied already).');
  });
});
