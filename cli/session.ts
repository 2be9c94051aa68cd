import type { TextSink } from './output/status-line';

/** What a run of the CLI reads and writes: the process's by default, others in tests. */
export interface CliIo {
  readonly stdout: TextSink;
  readonly stderr: TextSink;
  readonly env: NodeJS.ProcessEnv;
  /** The project folder: relative paths (`./migrations`, `.rds-migrate/`) are resolved against it. */
  readonly cwd: string;
  /** True for the real process: SIGINT/SIGTERM run the clean-ups, then exit. @default false */
  readonly handlesSignals?: boolean;
}

/** The real process's streams, environment and working folder. */
export function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd(), handlesSignals: true };
}

/**
 * One run of the CLI: its io, the exit code the command settled on, and the clean-ups to run when
 * it ends (closing drivers and clients, stopping the embedded PostgreSQL), last registered first.
 * Clean-ups also run when the process is interrupted (SIGINT, SIGTERM), see `run-command.ts`.
 */
export class Session {
  exitCode = 0;
  /** The target the command works on, for people (no password), once known: named when it cannot be reached. */
  target: string | undefined;
  /** True for a command that keeps running after its action returned (`data-api-local`). */
  keepAlive = false;
  private readonly cleanups: Array<() => Promise<void>> = [];

  constructor(readonly io: CliIo) {}

  /** Registers a clean-up; returns a function that runs it early (and only once). */
  onCleanup(fn: () => Promise<void>): () => Promise<void> {
    let done = false;
    const once = async (): Promise<void> => {
      if (done) return;
      done = true;
      await fn();
    };
    this.cleanups.push(once);
    return once;
  }

  /** Runs every clean-up, last registered first; failures are collected and returned, never thrown. */
  async cleanUp(): Promise<unknown[]> {
    const errors: unknown[] = [];
    while (this.cleanups.length > 0) {
      const fn = this.cleanups.pop()!;
      try {
        await fn();
      } catch (error) {
        errors.push(error);
      }
    }
    return errors;
  }
}
