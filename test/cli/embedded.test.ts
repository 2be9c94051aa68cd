import { chmod, readdir } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURE_MIGRATIONS } from './support/fixture-migrations';
import { createProject, type TestProject } from './support/project';
import { runCli } from './support/run-cli';

let project: TestProject;

beforeAll(async () => {
  project = await createProject('embedded');
  // The embedded server runs as its own OS user when the tests run as root: let it reach the folder.
  await chmod(project.dir, 0o755);
});
afterAll(() => project.dispose());

describe('no target: the project\'s embedded PostgreSQL', () => {
  it('init, new, migrate and status with no server installed; the data stays in .rds-migrate/postgres', async () => {
    const cli = (...args: string[]) => runCli(args, { cwd: project.dir, timeoutMs: 240_000 });
    expect((await cli('init')).code).toBe(0);
    expect((await cli('new', 'create_invoices', '--no-down', '--no-verify')).code).toBe(0);
    await project.write('migrations/0001_create_invoices/up.sql', FIXTURE_MIGRATIONS['0001_create_invoices/up.sql']!);

    const migrate = await cli('migrate', '--json', '--verbose');
    expect(migrate.code).toBe(0);
    expect(migrate.json()).toMatchObject({ action: 'migrate', database: 'postgres', ok: true, migrate: { current: '0001' } });
    expect(migrate.stderr).toContain('info: starting the embedded PostgreSQL');

    // A second command finds the data of the first: the server was stopped, the data kept.
    const status = await cli('status', '--json');
    expect(status.code).toBe(0);
    expect(status.json()).toMatchObject({ database: 'postgres', current: '0001', pending: [] });
    const files = await readdir(project.path('.rds-migrate/postgres'));
    expect(files).toContain('PG_VERSION');
    expect(files).not.toContain('postmaster.pid');
    expect(await project.read('.gitignore')).toContain('.rds-migrate/');
  }, 300_000);
});
