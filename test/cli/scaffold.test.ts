import { readdir } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createProject, type TestProject } from './support/project';
import { runCli } from './support/run-cli';

let project: TestProject;
beforeEach(async () => {
  project = await createProject('scaffold');
});
afterEach(() => project.dispose());

/** A URL nothing listens on: these commands must fail on the files before reaching it. */
const UNREACHABLE = 'postgres://nobody:nothing@127.0.0.1:9/never';

describe('init', () => {
  it('creates the migrations folder with its README, ignores .rds-migrate/, and prints the construct snippet', async () => {
    await project.write('.gitignore', 'node_modules/');
    const run = await runCli(['init', '--json'], { cwd: project.dir });
    expect(run.code).toBe(0);
    const report = run.json();
    expect(report).toMatchObject({ action: 'init', migrations: 'migrations', created: true, files: ['migrations/README.md', '.gitignore'] });
    expect(report.snippet).toContain("import { DatabaseMigrations } from 'rds-migrate/lib';");
    expect(report.snippet).toContain("migrationsDirectory: path.join(__dirname, '..', 'migrations')");
    expect(await project.read('migrations/README.md')).toContain('<version>_<name>/');
    expect(await project.read('.gitignore')).toBe("node_modules/\n# rds-migrate: the embedded PostgreSQL's data\n.rds-migrate/\n");

    // Again: the folder and .gitignore are left as they are.
    const again = await runCli(['init'], { cwd: project.dir });
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('migrations/ exists already: left as it is.');
    expect(again.stdout).toContain('new DatabaseMigrations(this, ');
    expect(await project.read('.gitignore')).toBe("node_modules/\n# rds-migrate: the embedded PostgreSQL's data\n.rds-migrate/\n");
  });

  it('refuses a --migrations path that is a file (exit 4)', async () => {
    await project.write('db', 'not a folder');
    const run = await runCli(['init', '--migrations', 'db'], { cwd: project.dir });
    expect(run.code).toBe(4);
    expect(run.stderr).toContain('--migrations: db exists and is not a folder');
  });
});

describe('new', () => {
  it('numbers migrations from 0001 and writes the up/down/verify skeleton', async () => {
    await runCli(['init'], { cwd: project.dir });
    const first = await runCli(['new', 'create users', '--json'], { cwd: project.dir });
    expect(first.code).toBe(0);
    expect(first.json()).toEqual({
      action: 'new',
      version: '0001',
      name: 'create_users',
      layout: 'native',
      files: ['migrations/0001_create_users/up.sql', 'migrations/0001_create_users/down.sql', 'migrations/0001_create_users/verify.sql'],
    });
    expect(await project.read('migrations/0001_create_users/down.sql')).toContain("RAISE EXCEPTION 'the down script of 0001_create_users is not written yet'");

    const second = await runCli(['new', 'add-email-index', '--no-down', '--no-verify', '--json'], { cwd: project.dir });
    expect(second.json()).toMatchObject({ version: '0002', files: ['migrations/0002_add-email-index/up.sql'] });
    expect(await readdir(project.path('migrations/0002_add-email-index'))).toEqual(['up.sql']);
  });

  it('continues the numbering of an existing folder, keeping its width', async () => {
    await project.copyFaktuLove();
    const run = await runCli(['new', 'add_ocr_audit'], { cwd: project.dir });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Created migration 0024 (add_ocr_audit, native layout):\n  migrations/0024_add_ocr_audit/up.sql\n');
  });

  it('refuses a bad name, a taken version and a missing folder (exit 4), creating nothing', async () => {
    await project.copyFaktuLove();
    const badName = await runCli(['new', 'drop;table'], { cwd: project.dir });
    expect(badName.code).toBe(4);
    expect(badName.stderr).toContain('<name>: "drop;table" may contain only letters, digits, "_" and "-" (found ";")');
    const taken = await runCli(['new', 'again', '--version', '22'], { cwd: project.dir });
    expect(taken.code).toBe(4);
    expect(taken.stderr).toContain('--version: 22 is taken (0022_add_ocr_indexes)');
    const badVersion = await runCli(['new', 'x', '--version', 'v2', '--json'], { cwd: project.dir });
    expect(badVersion.code).toBe(4);
    expect(badVersion.json()).toMatchObject({ error: { name: 'UsageError', exitCode: 4 } });
    expect(await readdir(project.path('migrations'))).toEqual(['0022_add_ocr_indexes', '0023_add_ocr_constraints']);
    const noFolder = await runCli(['new', 'x', '--migrations', 'nowhere'], { cwd: project.dir });
    expect(noFolder.code).toBe(4);
    expect(noFolder.stderr).toContain('error: nowhere: migrations folder not found (run `rds-migrate init` to create it, or pass --migrations <dir>)');
  });
});

describe('migration files the compiler rejects exit 4 before any database is reached', () => {
  it('the skeleton up.sql until a statement is written', async () => {
    await runCli(['init'], { cwd: project.dir });
    await runCli(['new', 'create_users'], { cwd: project.dir });
    const run = await runCli(['status', '--database-url', UNREACHABLE, '--json'], { cwd: project.dir });
    expect(run.code).toBe(4);
    expect(run.json()).toMatchObject({
      error: { name: 'MigrationCompileError', file: 'migrations/0001_create_users/up.sql', exitCode: 4 },
    });
    expect(run.stderr).toContain('error: migrations/0001_create_users/up.sql: up.sql has no SQL statement');
  });

  it('a syntax error, named by file, line and column', async () => {
    await project.write('db/0001_create/up.sql', 'CREATE TABLE t (id int);\nCREATE TABL u (id int);\n');
    const run = await runCli(['migrate', '--migrations', 'db', '--database-url', UNREACHABLE], { cwd: project.dir });
    expect(run.code).toBe(4);
    expect(run.stderr).toMatch(/error: db\/0001_create\/up\.sql:2:\d+: /);
  });

  it('a missing migrations folder, suggesting init', async () => {
    const run = await runCli(['plan', '--database-url', UNREACHABLE], { cwd: project.dir });
    expect(run.code).toBe(4);
    expect(run.stderr).toContain('error: migrations: migrations folder not found (run `rds-migrate init` to create it, or pass --migrations <dir>)');
  });
});
