import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The executable as package.json's "bin" names it. */
export const CLI_BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../bin/rds-migrate.js');

/** One finished run of the CLI. */
export interface CliRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout parsed as exactly one JSON document (throws, with the output, otherwise). */
  json<T = Record<string, any>>(): T;
}

export interface RunCliOptions {
  /** The project folder the CLI runs in. */
  readonly cwd: string;
  /** Added to the clean environment (see {@link cleanEnv}); `undefined` removes a variable. */
  readonly env?: Record<string, string | undefined>;
  /** Kill the run after this long, ms. @default 90_000 */
  readonly timeoutMs?: number;
}

/**
 * The environment a user's shell would give the CLI, without anything of this machine's that would
 * change its behaviour: no DATABASE_URL, RDS_MIGRATE_*, AWS_* or colour forcing.
 */
export function cleanEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(DATABASE_URL|RDS_MIGRATE_|AWS_|FORCE_COLOR|NO_COLOR)/.test(key)) continue;
    env[key] = value;
  }
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

function parseJson<T>(stdout: string, stderr: string): T {
  try {
    return JSON.parse(stdout) as T;
  } catch (error) {
    throw new Error(`stdout is not one JSON document (${(error as Error).message}):\n${stdout}\n--- stderr ---\n${stderr}`);
  }
}

/** Runs `node bin/rds-migrate.js ...args` as a user would, and waits for it to exit. */
export function runCli(args: readonly string[], options: RunCliOptions): Promise<CliRun> {
  const child = spawn(process.execPath, [CLI_BIN, ...args], { cwd: options.cwd, env: cleanEnv(options.env), stdio: ['ignore', 'pipe', 'pipe'] });
  return collect(child, options.timeoutMs ?? 90_000);
}

/** Runs a shell command line under `script`, so that the CLI's stdout and stderr are a terminal. */
export function runCliOnTerminal(args: readonly string[], options: RunCliOptions): Promise<CliRun> {
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const line = [process.execPath, CLI_BIN, ...args].map(quote).join(' ');
  const child = spawn('script', ['-qec', line, '/dev/null'], {
    cwd: options.cwd,
    env: cleanEnv({ COLUMNS: '200', ...options.env }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return collect(child, options.timeoutMs ?? 90_000);
}

function collect(child: ChildProcess, timeoutMs: number): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, json: <T>() => parseJson<T>(stdout, stderr) });
    });
  });
}

/** A CLI process that keeps running (data-api-local), with its output so far. */
export interface RunningCli {
  readonly child: ChildProcess;
  /** Resolves with stdout once `done(stdout)` is true. */
  waitForOutput(done: (stdout: string) => boolean, timeoutMs?: number): Promise<string>;
  /** Sends `signal` and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<CliRun>;
}

/** Starts `node bin/rds-migrate.js ...args` without waiting for it to exit. */
export function startCli(args: readonly string[], options: RunCliOptions): RunningCli {
  const child = spawn(process.execPath, [CLI_BIN, ...args], { cwd: options.cwd, env: cleanEnv(options.env), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<CliRun>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr, json: <T>() => parseJson<T>(stdout, stderr) }));
  });
  return {
    child,
    waitForOutput(done, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const started = Date.now();
        const poll = setInterval(() => {
          if (done(stdout)) {
            clearInterval(poll);
            resolve(stdout);
          } else if (child.exitCode !== null || Date.now() - started > timeoutMs) {
            clearInterval(poll);
            reject(new Error(`no expected output (exit ${child.exitCode}):\n${stdout}\n--- stderr ---\n${stderr}`));
          }
        }, 50);
      });
    },
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
