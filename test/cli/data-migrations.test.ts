/**
 * TypeScript data migrations from the CLI, run as a user would (a child process against PostgreSQL):
 * the CLI compiles the folder itself, bundling `up.ts` with esbuild into a folder of its own, and
 * runs the module through the same actions as the function. `new --data` scaffolds one.
 */
import { cp, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { createProject, type TestProject } from './support/project';
import { runCli, runCliOnTerminal } from './support/run-cli';

const FIXTURES = fileURLToPath(new URL('../fixtures/data-migrations', import.meta.url));
const ROWS = 12_000;

let db: TestDatabase;
let project: TestProject;
const cli = (...args: string[]) => runCli([...args, '--database-url', db.url], { cwd: project.dir });
/** Runs the CLI in the project without a target (`new`). */
const offline = (...args: string[]) => runCli(args, { cwd: project.dir });

beforeAll(async () => {
  db = await createTestDatabase('cli_data_migrations');
  project = await createProject('data-migrations');
  // The module imports ../../shared/cents from the project, as a user's module imports the app's code.
  await cp(path.join(FIXTURES, 'app'), project.path('migrations'), { recursive: true });
  await cp(path.join(FIXTURES, 'shared'), project.path('shared'), { recursive: true });
});
afterAll(async () => {
  await db.drop();
  await project.dispose();
});

async function rowsTouched(): Promise<Record<string, number>> {
  const { rows } = await db.sql('SELECT touched, count(*)::int AS n FROM invoice GROUP BY touched ORDER BY touched');
  return Object.fromEntries(rows.map((r) => [String(r.touched), r.n]));
}

describe('a data migration from the CLI', () => {
  it('plan shows the data step as a comment naming the module, with no SQL', async () => {
    const run = await cli('plan');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('0002 backfill_amount_cents (up, 0002_backfill_amount_cents/up.ts, data migration, batches in transactions of their own)');
    expect(run.stdout).toContain(
      '-- data migration: runs up(ctx) of data/0002_backfill_amount_cents.mjs (0002_backfill_amount_cents/up.ts); its statements are not known in advance',
    );
  });

  it('migrate --json runs the backfill and reports it; no progress bar in the JSON run', async () => {
    const run = await cli('migrate', '--json');
    expect(run.code, run.stderr).toBe(0);
    const report = run.json();
    expect(report).toMatchObject({ action: 'migrate', ok: true, migrate: { current: '0003' } });
    expect(report.migrate.applied.map((a: { version: string }) => a.version)).toEqual(['0001', '0002', '0003']);
    expect(report.verification.checks.filter((c: { passed: boolean }) => !c.passed)).toEqual([]);
    expect(run.stderr).not.toContain('data 0002');
    expect(await rowsTouched()).toEqual({ 1: ROWS });
    const checkpoint = (await db.sql('SELECT rows_done::int AS rows, batches, finished FROM rds_migrate.backfill_progress')).rows;
    expect(checkpoint).toEqual([{ rows: ROWS, batches: 13, finished: true }]);
  });

  it('rollback runs the module\'s down; migrate on a terminal draws the backfill\'s progress bar', async () => {
    const back = await cli('rollback', '--to', '0001', '--json');
    expect(back.code, back.stderr).toBe(0);
    expect(back.json().rollback.reverted.map((r: { version: string }) => r.version)).toEqual(['0003', '0002']);
    expect(await rowsTouched()).toEqual({ 0: ROWS });
    await db.sql('ANALYZE invoice'); // pg_class.reltuples: the bar's total

    const run = await runCliOnTerminal(['migrate', '--database-url', db.url], { cwd: project.dir, env: { NO_COLOR: '1' } });
    expect(run.code, run.stdout).toBe(0);
    // `script` merges both streams: the status line's redraws are in stdout.
    // Rows of the loop against pg_class.reltuples, the rate; no bytes (batches do not count them).
    expect(run.stdout).toMatch(/data 0002 public\.invoice {2}\[[#-]{24}\] +\d+% {2}[\d,]+ \/ 12,000 rows {2}[\d,]+ rows\/s/);
    expect(await rowsTouched()).toEqual({ 1: ROWS });
  });

  it('new --data scaffolds up.ts, refused until it exports up; --ts is the same; other layouts are refused', async () => {
    await project.write('scaffold/README.md', 'Migrations scaffolded by the test.\n');
    const run = await offline('new', 'backfill totals', '--data', '--migrations', 'scaffold', '--json');
    expect(run.code, run.stderr).toBe(0);
    expect(run.json()).toEqual({
      action: 'new',
      version: '0001',
      name: 'backfill_totals',
      layout: 'native',
      files: ['scaffold/0001_backfill_totals/up.ts', 'scaffold/0001_backfill_totals/verify.sql'],
    });
    const text = await project.read('scaffold/0001_backfill_totals/up.ts');
    expect(text).toContain("import type { DataMigrationContext } from 'rds-migrate/lambda/engine/data/data-migration';");
    expect(text).toContain('await ctx.backfill({');

    // The skeleton exports upExample, not up: refused (exit code 4), naming the file.
    const empty = await createTestDatabase('cli_data_scaffold');
    const onEmpty = (...args: string[]) => runCli([...args, '--database-url', empty.url], { cwd: project.dir });
    const refused = await onEmpty('plan', '--migrations', 'scaffold');
    expect(refused.code).toBe(4);
    expect(refused.stderr).toContain('scaffold/0001_backfill_totals/up.ts: the data migration exports no up function (it exports down, upExample)');

    // Written: the example renamed to up. It compiles, and its down throws until written.
    await project.write('scaffold/0001_backfill_totals/up.ts', text.replace('export async function upExample(', 'export async function up('));
    const planned = await onEmpty('plan', '--migrations', 'scaffold', '--json');
    await empty.drop();
    expect(planned.code, planned.stderr).toBe(0);
    expect(planned.json().migrations[0].steps.find((s: { data?: unknown }) => s.data).data).toEqual({ module: 'data/0001_backfill_totals.mjs', direction: 'up' });

    const forwardOnly = await offline('new', 'forward_only', '--ts', '--no-down', '--no-verify', '--migrations', 'scaffold', '--json');
    expect(forwardOnly.json().files).toEqual(['scaffold/0002_forward_only/up.ts']);
    expect(await readFile(project.path('scaffold/0002_forward_only/up.ts'), 'utf8')).not.toContain('function down(');

    await project.write('golang/20240101120000_create_users.up.sql', 'CREATE TABLE users (id int);\n');
    const golang = await offline('new', 'backfill', '--data', '--migrations', 'golang');
    expect(golang.code).toBe(4);
    expect(golang.stderr).toContain('--data: data migrations are native-layout folders (<version>_<name>/up.ts), but golang is in the golang-migrate layout');
  });
});
