import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { PACKAGE_ROOT } from '../../lib/package-paths';

/** Options of `synth`. */
export interface SynthOptions {
  /**
   * Where the cloud assembly is written (`cdk synth -o`).
   *
   * @default `<package>/cdk.out`
   */
  readonly outdir?: string;
  /**
   * The CDK app folder (holding `cdk.json`).
   *
   * @default this package's root
   */
  readonly cwd?: string;
  /**
   * The app command (`cdk synth --app <command>`), e.g. `npx tsx test/lifecycle/support/lifecycle-app.ts`;
   * `cdk.json`'s context (feature flags) still applies.
   *
   * @default the `app` of `cdk.json`
   */
  readonly app?: string;
  /**
   * Extra context values (`cdk synth -c key=value`).
   *
   * @default none
   */
  readonly context?: Record<string, string>;
  /**
   * Stop waiting after this long, in ms.
   *
   * @default 300000 (5 minutes)
   */
  readonly timeoutMs?: number;
}

/**
 * Runs `cdk synth --quiet` with this package's CDK CLI, offline: no notices, no version check, no
 * telemetry, and no instance-metadata credential lookup. The app is the one in `cdk.json`.
 *
 * @returns the absolute path of the cloud assembly folder
 * @throws Error carrying the CLI's stderr when synth fails (e.g. a migration that does not compile)
 */
export function synth(options: SynthOptions = {}): Promise<string> {
  const cwd = options.cwd ?? PACKAGE_ROOT;
  const outdir = path.resolve(cwd, options.outdir ?? 'cdk.out');
  const cli = createRequire(import.meta.url).resolve('aws-cdk/bin/cdk');
  const context = Object.entries(options.context ?? {}).flatMap(([k, v]) => ['--context', `${k}=${v}`]);
  const app = options.app !== undefined ? ['--app', options.app] : [];
  const args = [cli, 'synth', '--quiet', '--no-notices', '--no-version-reporting', '--output', outdir, ...app, ...context];
  const env = {
    ...process.env,
    AWS_EC2_METADATA_DISABLED: 'true',
    CDK_DISABLE_VERSION_CHECK: 'true',
    CDK_DISABLE_CLI_TELEMETRY: 'true',
  };
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { cwd, env, timeout: options.timeoutMs ?? 300_000, maxBuffer: 64 * 1024 * 1024 }, (error, _stdout, stderr) => {
      if (error) reject(new Error(`cdk synth failed in ${cwd}:\n${stderr.trim() || error.message}`));
      else resolve(outdir);
    });
  });
}
