import * as fs from 'node:fs';
import * as path from 'node:path';
import { PACKAGE_ROOT } from '../../lib/package-paths';
import { findAssetDirectory, findStackArtifacts, readAssemblyJson, type Template } from './cloud-assembly';
import { invokeHandler, type InvokeResult } from './invoke';
import { synth } from './synth';
import { findTemplateFunction, resolveEnvironment, type MigrationsFunctionRole } from './template-function';

/** Options of `loadSynthesizedFunction`. */
export interface LoadSynthesizedFunctionOptions {
  /**
   * The cloud assembly folder.
   *
   * @default `<package>/cdk.out`
   */
  readonly cdkOut?: string;
  /**
   * The stack holding the function (artifact id or CloudFormation stack name).
   *
   * @default 'RdsMigrateExampleStack'
   */
  readonly stackName?: string;
  /**
   * Logical id prefix of the function in the template, e.g. `MigrationsFunction`.
   *
   * @default - the migrations function of `role`
   */
  readonly logicalIdPrefix?: string;
  /**
   * Which migrations function, when no `logicalIdPrefix` is given: the onEvent one (the console's,
   * the schedule's, the Provider framework's onEvent handler), or its copy that the construct gives the
   * Provider framework as isComplete handler (`RDS_MIGRATE_PROVIDER_HANDLER=isComplete`).
   *
   * @default 'onEvent'
   */
  readonly role?: MigrationsFunctionRole;
  /**
   * When to run `cdk synth` (see `synth`) first: only when `cdkOut` holds no cloud assembly,
   * always, or never (then a missing assembly is an error).
   *
   * @default 'if-missing'
   */
  readonly synth?: 'if-missing' | 'always' | 'never';
  /**
   * Environment values that replace the template's: give one for each variable that is a
   * CloudFormation expression there (cluster ARN, secret ARN, bucket name), and add any others
   * (`AWS_ENDPOINT_URL_RDS_DATA`, `AWS_ENDPOINT_URL_S3`, `RDS_MIGRATE_S3_FORCE_PATH_STYLE`,
   * credentials).
   *
   * @default {}
   */
  readonly environment?: Record<string, string>;
}

/** Per-invocation options. */
export interface InvokeOptions {
  /**
   * Kill the invocation after this long, in ms.
   *
   * @default the function's Timeout from the template
   */
  readonly timeoutMs?: number;
  /** Receives each chunk the handler logs (e.g. `(c) => process.stderr.write(c)`). @default none */
  readonly onLog?: (chunk: string) => void;
}

/** The function as `cdk synth` produced it, runnable on this machine. */
export interface SynthesizedFunction {
  /** Logical id of the function in the template. */
  readonly logicalId: string;
  /** The function's asset folder in the cloud assembly (what is zipped and deployed). */
  readonly assetDir: string;
  /** `<assetDir>/index.js`: the bundled handler module (from the template's `Handler`). */
  readonly handlerFile: string;
  /** The handler's export name, e.g. `handler`. */
  readonly handlerExport: string;
  /** `Runtime` in the template, e.g. `nodejs22.x`. */
  readonly runtime: string;
  /** `Timeout` in seconds. */
  readonly timeoutSeconds: number;
  /** `MemorySize` in MB. */
  readonly memorySize: number;
  /** The template's literal environment values, with the load-time overrides applied. */
  readonly environment: Record<string, string>;
  /**
   * Variables whose template value is a CloudFormation expression with no override yet
   * (name → expression); `invoke` refuses to run until each has an override.
   */
  readonly unresolvedEnvironment: Record<string, unknown>;
  /**
   * Runs the bundled handler once in a new Node process (a cold start) with the event, and
   * returns its result or error as JSON. The process environment is a Lambda-like base
   * (`AWS_REGION` us-east-1, `AWS_LAMBDA_FUNCTION_NAME`, `LAMBDA_TASK_ROOT=assetDir`, `TZ`,
   * `PATH`, ...), then `environment`, then `envOverrides`; nothing else of this process's
   * environment is passed (AWS credentials included: pass them in the overrides).
   *
   * @throws Error naming each environment variable that is still a CloudFormation expression
   */
  invoke<T = unknown>(event: unknown, envOverrides?: Record<string, string>, options?: InvokeOptions): Promise<InvokeResult<T>>;
}

/**
 * Loads the migrations function from a synthesized cloud assembly: reads the stack's template and
 * asset manifest, finds the function and its asset folder, and returns what is needed to run
 * exactly that bundle locally, e.g. against a local Data API and S3:
 *
 *     const fn = await loadSynthesizedFunction({ environment: {
 *       RDS_MIGRATE_CLUSTER_ARN: 'arn:aws:rds:us-east-1:123456789012:cluster:local',
 *       RDS_MIGRATE_SECRET_ARN: '...', RDS_MIGRATE_SNAPSHOT_BUCKET: 'snapshots',
 *       AWS_ENDPOINT_URL_RDS_DATA: 'http://127.0.0.1:4000', AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:4569',
 *       RDS_MIGRATE_S3_FORCE_PATH_STYLE: 'true', AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local',
 *     } });
 *     const outcome = await fn.invoke({ action: 'verify' });
 *
 * Runs nothing when the assembly exists (unless `synth: 'always'`); otherwise runs `cdk synth`.
 *
 * @throws Error when the assembly, stack, function or asset is not found (the message says which)
 */
export async function loadSynthesizedFunction(options: LoadSynthesizedFunctionOptions = {}): Promise<SynthesizedFunction> {
  const cdkOut = path.resolve(options.cdkOut ?? path.join(PACKAGE_ROOT, 'cdk.out'));
  const mode = options.synth ?? 'if-missing';
  if (mode === 'always' || (mode === 'if-missing' && !fs.existsSync(path.join(cdkOut, 'manifest.json')))) {
    await synth({ outdir: cdkOut });
  }
  const stack = findStackArtifacts(cdkOut, options.stackName ?? 'RdsMigrateExampleStack');
  const template = readAssemblyJson<Template>(stack.templateFile);
  const fn = findTemplateFunction(template, stack.templateFile, options.logicalIdPrefix, options.role);
  const assetDir = findAssetDirectory(stack.assetManifestFile, fn.codeObjectKey);
  const { modulePath, exportName } = splitHandler(fn.handler, fn.logicalId);
  const handlerFile = findHandlerModule(assetDir, modulePath);
  const { environment, unresolved } = resolveEnvironment(fn.variables, options.environment);

  const lambdaBase: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    LANG: 'en_US.UTF-8',
    TZ: 'UTC',
    AWS_REGION: 'us-east-1',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_EXECUTION_ENV: `AWS_Lambda_${fn.runtime}`,
    AWS_LAMBDA_FUNCTION_NAME: fn.logicalId,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memorySize),
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${fn.logicalId}`,
    AWS_LAMBDA_LOG_STREAM_NAME: 'local',
    LAMBDA_TASK_ROOT: assetDir,
    _HANDLER: fn.handler,
  };

  return {
    logicalId: fn.logicalId,
    assetDir,
    handlerFile,
    handlerExport: exportName,
    runtime: fn.runtime,
    timeoutSeconds: fn.timeoutSeconds,
    memorySize: fn.memorySize,
    environment,
    unresolvedEnvironment: unresolved,
    invoke(event, envOverrides = {}, invokeOptions = {}) {
      const missing = Object.keys(unresolved).filter((name) => !(name in envOverrides));
      if (missing.length > 0) {
        const detail = missing.map((name) => `${name} = ${JSON.stringify(unresolved[name])}`).join('; ');
        return Promise.reject(
          new Error(`function ${fn.logicalId}: pass a value for each environment variable that is a CloudFormation expression: ${detail}`),
        );
      }
      const merged = { ...lambdaBase, ...environment, ...envOverrides };
      if (!('AWS_DEFAULT_REGION' in envOverrides) && 'AWS_REGION' in envOverrides) merged.AWS_DEFAULT_REGION = merged.AWS_REGION!;
      return invokeHandler(event, {
        handlerFile,
        handlerExport: exportName,
        environment: merged,
        timeoutMs: invokeOptions.timeoutMs ?? fn.timeoutSeconds * 1000,
        functionName: fn.logicalId,
        memorySize: fn.memorySize,
        onLog: invokeOptions.onLog,
      });
    },
  };
}

/** Splits a Lambda `Handler` (`index.handler`, `dir/app.main`) into module path and export name. */
function splitHandler(handler: string, logicalId: string): { modulePath: string; exportName: string } {
  const dot = handler.lastIndexOf('.');
  if (dot <= 0 || dot === handler.length - 1) {
    throw new Error(`function ${logicalId}: Handler "${handler}" is not <module>.<export>`);
  }
  return { modulePath: handler.slice(0, dot), exportName: handler.slice(dot + 1) };
}

/** The handler module file, tried as the Node.js runtime does: `.js`, `.mjs`, `.cjs`. */
function findHandlerModule(assetDir: string, modulePath: string): string {
  for (const extension of ['.js', '.mjs', '.cjs']) {
    const file = path.join(assetDir, modulePath + extension);
    if (fs.existsSync(file)) return file;
  }
  throw new Error(`no handler module ${modulePath}.js (.mjs, .cjs) in ${assetDir}`);
}
