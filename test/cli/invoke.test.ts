import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PgDriver } from '../../lambda/driver/pg/pg-driver';
import { createHandler } from '../../lambda/function/create-handler';
import { writeBundleFile } from '../../lambda/migrations/write-bundle';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { writeFixtureMigrations } from './support/fixture-migrations';
import { startLocalLambdaEndpoint, type LocalLambdaEndpoint } from './support/local-lambda-endpoint';
import { createProject, type TestProject } from './support/project';
import { runCli } from './support/run-cli';

const FUNCTION = 'AppStack-MigrationsFunction1A2B3C';
let db: TestDatabase;
let project: TestProject;
let lambda: LocalLambdaEndpoint;
const invoke = (...args: string[]) => runCli(['invoke', ...args, '--lambda-endpoint', lambda.endpoint], { cwd: project.dir, env: { RDS_MIGRATE_FUNCTION_NAME: FUNCTION } });

beforeAll(async () => {
  // The handler runs in this process: keep its CloudWatch metrics (EMF lines) off the test output.
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  db = await createTestDatabase('cli_invoke');
  project = await createProject('invoke');
  await writeFixtureMigrations(project);
  // The deployed function: the real handler, with the bundle the construct would compile, on the test database.
  const bundlePath = project.path('asset/migrations.json');
  await writeBundleFile(project.path('migrations'), bundlePath);
  const handler = createHandler({
    env: {
      RDS_MIGRATE_CLUSTER_ARN: 'arn:aws:rds:us-east-1:123456789012:cluster:app',
      RDS_MIGRATE_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:app-AbCdEf',
      RDS_MIGRATE_DATABASE: db.name,
      RDS_MIGRATE_BUNDLE_PATH: bundlePath,
      AWS_LAMBDA_FUNCTION_NAME: FUNCTION,
    },
    driver: () => new PgDriver({ connectionString: db.url }),
  });
  lambda = await startLocalLambdaEndpoint(FUNCTION, handler, 'START RequestId: 42\nrun finished\nEND RequestId: 42\n');
});
afterAll(async () => {
  await lambda.close();
  await db.drop();
  await project.dispose();
});

describe('rds-migrate invoke: the deployed function through @aws-sdk/client-lambda', () => {
  it('status, migrate --to 0002, migrate, verify: the function\'s reports, printed as they came', async () => {
    const status = await invoke('status', '--json');
    expect(status.code).toBe(0);
    expect(status.json()).toMatchObject({ action: 'status', database: db.name, current: null, pending: ['0001', '0002', '0003'] });

    const migrate = await invoke('migrate', '--to', '2', '--json');
    expect(migrate.code).toBe(0);
    expect(migrate.json()).toMatchObject({ action: 'migrate', ok: true, migrate: { current: '0002' } });
    expect(lambda.events.slice(-1)).toEqual([{ action: 'migrate', targetVersion: '2' }]);
    const { rows } = await db.sql('SELECT DISTINCT applied_by FROM rds_migrate.schema_history');
    expect(rows).toEqual([{ applied_by: `lambda:${FUNCTION}` }]);

    const rest = await invoke('migrate');
    expect(rest.code).toBe(0);
    expect(rest.stdout).toMatch(/APPLIED +NAME +STATEMENTS +TIME\n0003 +add_confidence_check /);

    const verify = await invoke('verify');
    expect(verify.code).toBe(0);
    expect(verify.stdout).toContain(`Database ${db.name}`);
    expect(verify.stdout).toMatch(/Verification passed/);
  });

  it('a failed verification in the function exits 2', async () => {
    await db.sql('DROP INDEX invoices_customer_idx');
    const run = await invoke('verify', '--json');
    expect(run.code).toBe(2);
    expect(run.json().verification.ok).toBe(false);
    await db.sql('CREATE INDEX invoices_customer_idx ON invoices (customer)');
  });

  it('an error thrown in the function maps by its type: LockHeldError exits 3; --logs prints the log tail on stderr', async () => {
    await db.sql(
      "INSERT INTO rds_migrate.lock (id, owner, token, acquired_at, expires_at, heartbeat_at) VALUES (1, 'cli:dev@laptop', 't', now(), now() + interval '1 hour', now())",
    );
    const run = await invoke('migrate', '--json', '--logs');
    expect(run.code).toBe(3);
    expect(run.json().error).toMatchObject({ name: 'LockHeldError', errorType: 'LockHeldError', functionName: FUNCTION, exitCode: 3 });
    expect(run.json().error.message).toContain('The migration lock is held by "cli:dev@laptop"');
    expect(run.stderr).toContain(`--- log tail of ${FUNCTION} ---\nSTART RequestId: 42\nrun finished\nEND RequestId: 42\n---`);
    await db.sql('DELETE FROM rds_migrate.lock');
  });

  it('bad input is refused before anything is sent (exit 4); an unknown function is a failure (exit 1)', async () => {
    const before = lambda.events.length;
    const [noName, toWithStatus, badTo] = await Promise.all([
      runCli(['invoke', 'status', '--lambda-endpoint', lambda.endpoint], { cwd: project.dir }),
      invoke('status', '--to', '0002'),
      invoke('migrate', '--to', '0002; DROP TABLE invoices'),
    ]);
    expect(noName.code).toBe(4);
    expect(noName.stderr).toContain('--function-name is required (or RDS_MIGRATE_FUNCTION_NAME)');
    expect(toWithStatus.code).toBe(4);
    expect(toWithStatus.stderr).toContain('--to is only for invoke migrate, not status');
    expect(badTo.code).toBe(4);
    expect(lambda.events.length).toBe(before);

    const unknown = await runCli(['invoke', 'status', '--function-name', 'NoSuchFunction', '--lambda-endpoint', lambda.endpoint, '--json'], { cwd: project.dir });
    expect(unknown.code).toBe(1);
    expect(unknown.json().error).toMatchObject({ name: 'ResourceNotFoundException', exitCode: 1 });
    expect(unknown.json().error.message).toContain('Function not found');
  });
});

