import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import type { Construct } from 'constructs';
import { BUNDLE_FILE_NAME } from '../lambda/migrations/bundle';
import { DATA_MODULES_FOLDER } from '../lambda/migrations/data-modules';
import { FUNCTION_ENVIRONMENT } from './function-environment';
import { DEPS_LOCK_FILE, HANDLER_ENTRY, PACKAGE_ROOT } from './package-paths';

/** What the migrations function is built from. */
export interface MigrationsFunctionOptions {
  /**
   * The compiled `migrations.json`, copied into the asset next to `index.js`, with the `data/` folder
   * beside it when the compiler bundled data migrations' modules there (`data/<version>_<name>.mjs`).
   */
  readonly bundleFile: string;
  readonly environment: Record<string, string>;
  readonly timeout: Duration;
  /** MB. */
  readonly memorySize: number;
  readonly logGroup: logs.ILogGroup;
  /** The execution role; it gets nothing here but the trust policy (the construct grants the rest). */
  readonly role: iam.IRole;
}

/**
 * The function's execution role: trusted by Lambda, and allowed to write to its own log group only
 * (`logs:CreateLogStream`, `logs:PutLogEvents`), instead of the managed AWSLambdaBasicExecutionRole
 * that may write to any log group.
 */
export function createExecutionRole(scope: Construct, id: string, logGroup: logs.ILogGroup): iam.Role {
  const role = new iam.Role(scope, id, {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: 'rds-migrate: the migrations function',
  });
  logGroup.grantWrite(role);
  return role;
}

/** Quotes a string for a POSIX shell (`'...'`, with `'` written as `'\''`). */
function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * The migrations function: `lambda/handler.ts` (export `handler`) bundled by esbuild on this
 * machine (no Docker) into a CommonJS `index.js` for Node.js 22 on arm64, with:
 * - the AWS SDK bundled, not taken from the runtime, so the SDK versions tested are the ones deployed;
 * - a source map (`index.js.map`; `NODE_OPTIONS=--enable-source-maps` is in the environment);
 * - `migrations.json` (the compiled migrations, `BUNDLE_FILE_NAME`) copied in after bundling,
 *   where the handler reads it as `${LAMBDA_TASK_ROOT}/migrations.json`, and the data migrations'
 *   modules (`data/*.mjs`, ES modules the CommonJS handler loads with a dynamic `import()` of their
 *   file URL) next to it;
 * - a `package.json` of `{"type":"commonjs"}`, so `index.js` is CommonJS wherever the asset is
 *   run from (Lambda, or a local run inside this `"type": "module"` package).
 *
 * The asset hash is the hash of that output, so a changed migration (a data migration's module or
 * anything it imports included) changes the code too. The
 * bundle file's path (a fresh temporary folder per construct) is part of the rendered bundling
 * command, and so of CDK's in-process asset cache key: two constructs with different migrations
 * never share a staged asset. Bundling commands run with bash (Linux, macOS).
 */
export function createMigrationsFunction(scope: Construct, id: string, options: MigrationsFunctionOptions): nodejs.NodejsFunction {
  return new nodejs.NodejsFunction(scope, id, {
    description: 'rds-migrate: snapshot to S3, apply migrations, verify (RDS Data API)',
    entry: HANDLER_ENTRY,
    handler: 'handler',
    projectRoot: PACKAGE_ROOT,
    depsLockFilePath: DEPS_LOCK_FILE,
    runtime: lambda.Runtime.NODEJS_22_X,
    architecture: lambda.Architecture.ARM_64,
    timeout: options.timeout,
    memorySize: options.memorySize,
    environment: options.environment,
    logGroup: options.logGroup,
    role: options.role,
    bundling: {
      format: nodejs.OutputFormat.CJS,
      target: 'node22',
      bundleAwsSDK: true,
      externalModules: [],
      sourceMap: true,
      sourcesContent: false,
      minify: true,
      keepNames: true,
      forceDockerBundling: false,
      logLevel: nodejs.LogLevel.ERROR,
      commandHooks: {
        beforeBundling: () => [],
        beforeInstall: () => [],
        afterBundling: (_inputDir: string, outputDir: string) => [
          `cp ${shellQuote(options.bundleFile)} ${shellQuote(path.join(outputDir, BUNDLE_FILE_NAME))}`,
          ...dataModulesCopy(options.bundleFile, outputDir),
          `echo '{"type":"commonjs"}' > ${shellQuote(path.join(outputDir, 'package.json'))}`,
        ],
      },
    },
  });
}

/** The command copying the compiled data migrations' modules (`data/`, next to the bundle file), when there are any. */
function dataModulesCopy(bundleFile: string, outputDir: string): string[] {
  const data = path.join(path.dirname(bundleFile), DATA_MODULES_FOLDER);
  return fs.existsSync(data) ? [`cp -R ${shellQuote(data)} ${shellQuote(path.join(outputDir, DATA_MODULES_FOLDER))}`] : [];
}

/** The code asset of a function built from an asset (`lambda.Code.fromAsset`, which `NodejsFunction` uses). */
function codeAsset(fn: lambda.Function): s3assets.Asset {
  const asset = fn.node.tryFindChild('Code');
  if (!(asset instanceof s3assets.Asset)) throw new Error(`${fn.node.path} has no code asset`);
  return asset;
}

/**
 * The hash of the function's code asset: esbuild's `index.js` with `migrations.json` and the rest of
 * the asset folder (CDK's asset hash of the bundling output). A stable string at synth time, so the
 * custom resource's `HandlerCodeHash` changes, and the migration runs again, exactly when the code
 * CloudFormation deploys does.
 */
export function handlerCodeHash(fn: lambda.Function): string {
  return codeAsset(fn).assetHash;
}

/**
 * The Provider framework's isComplete handler: the same code asset as `main` (one upload, the same
 * `index.js` and `migrations.json`), the same role, log group, sizing and environment, plus
 * `RDS_MIGRATE_PROVIDER_HANDLER=isComplete`, which makes the handler continue a deployment instead of
 * starting one (`lambda/function/provider-phase.ts`).
 */
export function createIsCompleteFunction(scope: Construct, id: string, main: lambda.Function, options: MigrationsFunctionOptions): lambda.Function {
  const asset = codeAsset(main);
  return new lambda.Function(scope, id, {
    description: 'rds-migrate: continues a CloudFormation deployment of the migrations (Provider framework isComplete)',
    code: lambda.Code.fromBucket(asset.bucket, asset.s3ObjectKey),
    handler: 'index.handler',
    runtime: lambda.Runtime.NODEJS_22_X,
    architecture: lambda.Architecture.ARM_64,
    timeout: options.timeout,
    memorySize: options.memorySize,
    environment: { ...options.environment, [FUNCTION_ENVIRONMENT.providerHandler]: 'isComplete' },
    logGroup: options.logGroup,
    role: options.role,
  });
}
