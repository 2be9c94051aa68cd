import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalDataApi, type LocalDataApi } from '../../local/data-api/server';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { writeFixtureMigrations } from './support/fixture-migrations';
import { createProject, type TestProject } from './support/project';
import { runCli, startCli } from './support/run-cli';

let db: TestDatabase;
let api: LocalDataApi;
let project: TestProject;
/** The Data API target flags for the local Data API. No AWS variables: the loopback endpoint gets local defaults. */
const dataApi = (endpoint: string, resourceArn: string, secretArn: string) => [
  '--resource-arn', resourceArn, '--secret-arn', secretArn, '--database', db.name, '--endpoint', endpoint,
];

beforeAll(async () => {
  db = await createTestDatabase('cli_data_api');
  api = await startLocalDataApi({ postgresUrl: db.url });
  project = await createProject('data-api');
  await writeFixtureMigrations(project);
});
afterAll(async () => {
  await api.close();
  await db.drop();
  await project.dispose();
});

describe('the Data API target', () => {
  it('migrate, status and verify through the Data API, as the function runs them', async () => {
    const flags = dataApi(api.endpoint, api.resourceArn, api.secretArn);
    api.resetCounters();
    const migrate = await runCli(['migrate', '--json', ...flags], { cwd: project.dir });
    expect(migrate.code).toBe(0);
    expect(migrate.json()).toMatchObject({ action: 'migrate', database: db.name, ok: true, migrate: { current: '0003' } });
    expect(migrate.json().migrate.applied.map((m: { version: string }) => m.version)).toEqual(['0001', '0002', '0003']);
    // It really went through the Data API: calls and transactions were counted there.
    expect(api.counters.calls).toBeGreaterThan(10);
    expect(api.counters.byOperation.BeginTransaction.calls).toBeGreaterThan(0);

    const [status, verify] = await Promise.all([
      runCli(['status', '--json', ...flags], { cwd: project.dir }),
      runCli(['verify', ...flags], { cwd: project.dir }),
    ]);
    expect(status.json()).toMatchObject({ current: '0003', pending: [] });
    expect(verify.code).toBe(0);
    expect(verify.stdout).toMatch(/Verification passed/);
    expect(Number((await db.sql('SELECT count(*) AS n FROM invoices')).rows[0].n)).toBe(500);
  });

  it('an unreachable Data API endpoint is a failure (exit 1)', async () => {
    const run = await runCli(['status', ...dataApi('http://127.0.0.1:9', api.resourceArn, api.secretArn)], { cwd: project.dir });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`error: cannot reach Data API ${api.resourceArn} database ${db.name} via http://127.0.0.1:9: `);
  });

  it('bad or conflicting target flags are bad input (exit 4), before anything is reached', async () => {
    const runs = await Promise.all([
      runCli(['status', '--resource-arn', api.resourceArn, '--database', 'x'], { cwd: project.dir }),
      runCli(['status', '--endpoint', 'http://127.0.0.1:9'], { cwd: project.dir }),
      runCli(['status', '--database-url', db.url, '--resource-arn', api.resourceArn], { cwd: project.dir }),
      runCli(['status', '--resource-arn', 'cluster-1', '--secret-arn', api.secretArn, '--database', 'x'], { cwd: project.dir }),
      runCli(['status', '--database-url', 'mysql://root@localhost/app'], { cwd: project.dir }),
    ]);
    expect(runs.map((r) => r.code)).toEqual([4, 4, 4, 4, 4]);
    expect(runs[0]!.stderr).toContain('--secret-arn is required with --resource-arn');
    expect(runs[1]!.stderr).toContain('--endpoint needs --resource-arn, --secret-arn and --database');
    expect(runs[2]!.stderr).toContain('--database-url and --resource-arn both given: pick one target');
    expect(runs[3]!.stderr).toContain('--resource-arn: "cluster-1" is not a cluster ARN');
    expect(runs[4]!.stderr).toContain('--database-url: the scheme must be postgres:// or postgresql://');
  });

  it('a flag on the command line wins over the other target in the environment', async () => {
    const run = await runCli(['status', '--json', ...dataApi(api.endpoint, api.resourceArn, api.secretArn)], {
      cwd: project.dir,
      env: { DATABASE_URL: 'postgres://nobody@127.0.0.1:9/never' },
    });
    expect(run.code).toBe(0);
    expect(run.json()).toMatchObject({ current: '0003' });
  });
});

describe('rds-migrate data-api-local', () => {
  it('serves the Data API over the given PostgreSQL until SIGTERM (exit 0), printing its endpoint as JSON', async () => {
    const server = startCli(['data-api-local', '--postgres-url', db.url, '--port', '0', '--json'], { cwd: project.dir });
    try {
      const stdout = await server.waitForOutput((out) => out.trimEnd().endsWith('}'));
      const info = JSON.parse(stdout) as { action: string; endpoint: string; resourceArn: string; secretArn: string; database: string; embedded: boolean };
      expect(info).toMatchObject({ action: 'data-api-local', database: db.name, embedded: false });
      expect(info.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

      const status = await runCli(['status', '--json', ...dataApi(info.endpoint, info.resourceArn, info.secretArn)], { cwd: project.dir });
      expect(status.code).toBe(0);
      expect(status.json()).toMatchObject({ database: db.name, current: '0003' });
    } finally {
      const stopped = await server.stop('SIGTERM');
      expect(stopped.code).toBe(0);
    }
  });

  it('refuses a bad port (exit 4)', async () => {
    const run = await runCli(['data-api-local', '--postgres-url', db.url, '--port', 'eighty'], { cwd: project.dir });
    expect(run.code).toBe(4);
    expect(run.stderr).toContain('--port must be a non-negative integer, got "eighty"');
  });
});
