import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSynthesizedFunction } from '../../local/lambda';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');

interface Echo {
  event: unknown;
  invocations: number;
  env: Record<string, string | null>;
  cwd: string;
  functionName: string;
  memoryLimitInMB: string;
  remainingMs: number;
  moduleType: string;
}

/** Synthesizes a stack with two functions bundled from the echo fixture into a temporary cdk.out. */
function synthFixture(outdir: string): void {
  const app = new App({ outdir });
  const stack = new Stack(app, 'LoaderFixtureStack');
  const bucket = new s3.Bucket(stack, 'Bucket');
  const common: nodejs.NodejsFunctionProps = {
    entry: path.join(here, 'fixtures', 'echo-handler.ts'),
    projectRoot: root,
    depsLockFilePath: path.join(root, 'package-lock.json'),
    runtime: lambda.Runtime.NODEJS_22_X,
    bundling: { format: nodejs.OutputFormat.CJS, externalModules: [], logLevel: nodejs.LogLevel.ERROR },
  };
  new nodejs.NodejsFunction(stack, 'MigrationsFunction', {
    ...common,
    timeout: Duration.seconds(30),
    memorySize: 256,
    environment: {
      RDS_MIGRATE_CLUSTER_ARN: bucket.bucketArn,
      RDS_MIGRATE_DATABASE: 'faktulove',
      RDS_MIGRATE_SCHEMAS: 'public',
    },
  });
  new nodejs.NodejsFunction(stack, 'OtherFunction', { ...common, environment: { ROLE: 'other' } });
  app.synth();
}

describe('loadSynthesizedFunction', () => {
  let cdkOut: string;
  const clusterArn = 'arn:aws:rds:us-east-1:123456789012:cluster:local';

  beforeAll(() => {
    cdkOut = fs.mkdtempSync(path.join(os.tmpdir(), 'rds-migrate-loader-'));
    synthFixture(cdkOut);
  });
  afterAll(() => fs.rmSync(cdkOut, { recursive: true, force: true }));

  const load = (extra: Partial<Parameters<typeof loadSynthesizedFunction>[0]> = {}) =>
    loadSynthesizedFunction({ cdkOut, stackName: 'LoaderFixtureStack', synth: 'never', ...extra });

  it('finds the function by its environment marker, its asset folder, handler and literal environment', async () => {
    const fn = await load();
    expect(fn.logicalId).toMatch(/^MigrationsFunction[0-9A-F]{8}$/);
    expect(path.dirname(fn.assetDir)).toBe(path.resolve(cdkOut));
    expect(path.basename(fn.assetDir)).toMatch(/^asset\.[0-9a-f]{64}$/);
    expect(fn.handlerFile).toBe(path.join(fn.assetDir, 'index.js'));
    expect(fs.existsSync(fn.handlerFile)).toBe(true);
    expect(fn.handlerExport).toBe('handler');
    expect(fn.runtime).toBe('nodejs22.x');
    expect(fn.timeoutSeconds).toBe(30);
    expect(fn.memorySize).toBe(256);
    expect(fn.environment).toEqual({ RDS_MIGRATE_DATABASE: 'faktulove', RDS_MIGRATE_SCHEMAS: 'public' });
    expect(Object.keys(fn.unresolvedEnvironment)).toEqual(['RDS_MIGRATE_CLUSTER_ARN']);
    expect(fn.unresolvedEnvironment.RDS_MIGRATE_CLUSTER_ARN).toHaveProperty('Fn::GetAtt');
  });

  it('applies load-time overrides over template values and expressions', async () => {
    const fn = await load({ environment: { RDS_MIGRATE_CLUSTER_ARN: clusterArn, RDS_MIGRATE_DATABASE: 'other', EXTRA: 'x' } });
    expect(fn.environment).toEqual({
      RDS_MIGRATE_CLUSTER_ARN: clusterArn,
      RDS_MIGRATE_DATABASE: 'other',
      RDS_MIGRATE_SCHEMAS: 'public',
      EXTRA: 'x',
    });
    expect(fn.unresolvedEnvironment).toEqual({});
  });

  it('selects another function by logical id prefix', async () => {
    const fn = await load({ logicalIdPrefix: 'OtherFunction' });
    expect(fn.logicalId).toMatch(/^OtherFunction/);
    expect(fn.environment).toEqual({ ROLE: 'other' });
  });

  it('names what is missing: stack, function, assembly', async () => {
    await expect(load({ stackName: 'NoSuchStack' })).rejects.toThrow(/stack "NoSuchStack" is not in .*LoaderFixtureStack/);
    await expect(load({ logicalIdPrefix: 'Nope' })).rejects.toThrow(/no function with a logical id starting with "Nope".*MigrationsFunction/);
    await expect(load({ logicalIdPrefix: '' })).rejects.toThrow(/2 functions \(MigrationsFunction\w+, OtherFunction\w+\)/);
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'rds-migrate-empty-'));
    try {
      await expect(loadSynthesizedFunction({ cdkOut: empty, synth: 'never' })).rejects.toThrow(/not a cloud assembly \(no manifest.json\)/);
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });

  it('refuses to invoke while a CloudFormation expression has no value, naming the variable', async () => {
    const fn = await load();
    await expect(fn.invoke({})).rejects.toThrow(/RDS_MIGRATE_CLUSTER_ARN = \{"Fn::GetAtt"/);
  });

  it('runs the bundled handler as a cold start with exactly the Lambda-like environment', async () => {
    process.env.RDS_MIGRATE_PARENT_ONLY = 'must not leak';
    try {
      const fn = await load();
      const overrides = { RDS_MIGRATE_CLUSTER_ARN: clusterArn, AWS_REGION: 'eu-central-1' };
      const names = ['RDS_MIGRATE_CLUSTER_ARN', 'RDS_MIGRATE_DATABASE', 'LAMBDA_TASK_ROOT', 'AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_LAMBDA_FUNCTION_NAME', 'RDS_MIGRATE_PARENT_ONLY'];
      const first = await fn.invoke<Echo>({ env: names, n: 1 }, overrides);
      const second = await fn.invoke<Echo>({ env: names, n: 2 }, overrides);
      if (!first.ok || !second.ok) throw new Error(`invocation failed: ${JSON.stringify([first, second])}`);
      expect(first.result.event).toEqual({ env: names, n: 1 });
      expect(first.result.env).toEqual({
        RDS_MIGRATE_CLUSTER_ARN: clusterArn,
        RDS_MIGRATE_DATABASE: 'faktulove',
        LAMBDA_TASK_ROOT: fn.assetDir,
        AWS_REGION: 'eu-central-1',
        AWS_DEFAULT_REGION: 'eu-central-1',
        AWS_LAMBDA_FUNCTION_NAME: fn.logicalId,
        RDS_MIGRATE_PARENT_ONLY: null,
      });
      expect(first.result.cwd).toBe(fn.assetDir);
      expect(first.result.functionName).toBe(fn.logicalId);
      expect(first.result.memoryLimitInMB).toBe('256');
      expect(first.result.moduleType).toBe('commonjs');
      expect(first.result.remainingMs).toBeGreaterThan(20_000);
      expect(first.result.remainingMs).toBeLessThanOrEqual(30_000);
      // A new process each time: module-level state starts over.
      expect(first.result.invocations).toBe(1);
      expect(second.result.invocations).toBe(1);
    } finally {
      delete process.env.RDS_MIGRATE_PARENT_ONLY;
    }
  });

  it('returns a thrown error in the Lambda runtime shape, with the logs', async () => {
    const fn = await load({ environment: { RDS_MIGRATE_CLUSTER_ARN: clusterArn } });
    const outcome = await fn.invoke({ fail: 'bad input at line 3', log: 'about to fail' });
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.error.errorType).toBe('EchoFailure');
    expect(outcome.error.errorMessage).toBe('bad input at line 3');
    expect(outcome.error.trace[0]).toBe('EchoFailure: bad input at line 3');
    expect(outcome.logs).toContain('"message":"about to fail"');
  });

  it('reports a timeout, an exit without a result and an unhandled rejection', async () => {
    const fn = await load({ environment: { RDS_MIGRATE_CLUSTER_ARN: clusterArn } });
    const timedOut = await fn.invoke({ sleepMs: 5_000 }, {}, { timeoutMs: 700 });
    expect(timedOut).toMatchObject({ ok: false, error: { errorType: 'Sandbox.Timedout', errorMessage: 'Task timed out after 0.70 seconds' } });
    expect(timedOut.durationMs).toBeLessThan(4_000);
    const exited = await fn.invoke({ exitCode: 3 });
    expect(exited).toMatchObject({ ok: false, error: { errorType: 'Runtime.ExitError', errorMessage: expect.stringContaining('exit status 3') } });
    const rejected = await fn.invoke({ rejectLater: 'forgotten promise' });
    expect(rejected).toMatchObject({
      ok: false,
      error: { errorType: 'Runtime.UnhandledPromiseRejection', errorMessage: 'forgotten promise' },
    });
  });

  it('streams the handler logs to onLog', async () => {
    const fn = await load({ environment: { RDS_MIGRATE_CLUSTER_ARN: clusterArn } });
    const chunks: string[] = [];
    const outcome = await fn.invoke({ log: 'streamed line' }, {}, { onLog: (c) => chunks.push(c) });
    expect(outcome.ok).toBe(true);
    expect(chunks.join('')).toContain('streamed line');
  });
});
