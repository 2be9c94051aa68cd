import path from 'node:path';
import type { Command } from 'commander';
import type { Log } from '../lambda/observability/log';
import { redactError, redactingLog, redactRowData, redactStrings } from '../lambda/function/redact-row-data';
import { ExitCode, exitCodeForError } from './exit-codes';
import { createCliLog } from './output/cli-log';
import { colourEnabled, createColour, type Colour } from './output/colour';
import { errorDocument, errorText, isUnreachable } from './output/error-output';
import { toJsonDocument } from './output/json';
import { logLevelOf, type OutputFlags } from './output/output-options';
import { createPrinter, type Printer } from './output/printer';
import { createStderr, type Stderr } from './output/status-line';
import type { CliIo, Session } from './session';

/** What a command gets besides its flags and arguments. */
export interface CommandContext {
  readonly io: CliIo;
  readonly session: Session;
  /** `--json` was given: the report is printed as JSON and nothing else goes to stdout. */
  readonly json: boolean;
  /** stderr: log lines and the live status line. */
  readonly stderr: Stderr;
  /** Where the library logs (stderr, at the level the flags ask for). */
  readonly log: Log;
  /** True when a progress bar may be drawn (stderr is a terminal and `--no-progress` was not given). */
  readonly progress: boolean;
  readonly verbose: boolean;
  /** Resolves a path given on the command line against the project folder (`io.cwd`). */
  resolve(p: string): string;
  /** Where a flag's value came from: `cli`, `env`, `default`, or undefined when unset. */
  optionSource(flag: string): string | undefined;
}

/** What a command hands back: the report, the exit code it implies, and how to print it for people. */
export interface CommandResult {
  /** The `--json` document. */
  readonly report: unknown;
  /** @default ExitCode.Success */
  readonly exitCode?: ExitCode;
  /** Prints the report for people on stdout. */
  readonly human: (out: Printer) => void;
}

export type CommandHandler<F> = (ctx: CommandContext, flags: F, args: string[]) => Promise<CommandResult>;

const SIGNAL_EXIT: Readonly<Record<string, number>> = { SIGINT: 130, SIGTERM: 143 };

/**
 * Wraps a command's handler as a commander action. It builds the context from the output flags,
 * runs the handler, prints the report (JSON, or text through `human`), maps a thrown error to its
 * exit code (`exit-codes.ts`) and prints it (JSON error document on stdout with `--json`, text on
 * stderr always; row values PostgreSQL quotes in messages redacted in all of them unless
 * `--show-row-data`), and finally runs the session's clean-ups unless the command keeps running
 * (`session.keepAlive`). While it runs, SIGINT/SIGTERM run the clean-ups (closing drivers, stopping
 * the embedded PostgreSQL) before the process exits with 130/143 (0 for a server command, which is
 * stopped that way).
 */
export function runCommand<F extends OutputFlags>(session: Session, handler: CommandHandler<F>): (...params: unknown[]) => Promise<void> {
  return async (...params) => {
    const command = params[params.length - 1] as Command;
    const flags = command.opts<F>();
    const args = command.processedArgs.filter((a): a is string => typeof a === 'string');
    const io = session.io;
    const json = flags.json === true;
    const stdoutColour: Colour = createColour(!json && colourEnabled(io.stdout.isTTY, io.env, flags.color !== false));
    const stderrColour: Colour = createColour(colourEnabled(io.stderr.isTTY, io.env, flags.color !== false));
    const stderr = createStderr(io.stderr);
    const verbose = flags.verbose === true;
    // Row values PostgreSQL quotes in its messages are redacted as the function redacts them, in the
    // log, the report and the error, unless --show-row-data.
    const showRowData = flags.showRowData === true;
    const cliLog = createCliLog(stderr, stderrColour, logLevelOf(flags));
    const ctx: CommandContext = {
      io,
      session,
      json,
      stderr,
      log: showRowData ? cliLog : redactingLog(cliLog),
      progress: stderr.live && flags.progress !== false,
      verbose,
      resolve: (p) => path.resolve(io.cwd, p),
      optionSource: (flag) => command.getOptionValueSource(flag),
    };
    const removeSignalHandlers = installSignalHandlers(session, stderr);
    try {
      const result = await handler(ctx, flags, args);
      session.exitCode = result.exitCode ?? ExitCode.Success;
      if (json) io.stdout.write(toJsonDocument(showRowData ? result.report : redactStrings(result.report)));
      else result.human(createPrinter(showRowData ? io.stdout : { write: (text: string) => io.stdout.write(redactRowData(text)) }, stdoutColour));
    } catch (error) {
      session.exitCode = exitCodeForError(error);
      if (!showRowData) redactError(error);
      const unexpected = session.exitCode === ExitCode.Failure && !isKnownFailure(error);
      const context = session.target !== undefined && isUnreachable(error) ? `cannot reach ${session.target}` : undefined;
      stderr.setStatus(undefined);
      if (json) {
        const built = errorDocument(error, session.exitCode as ExitCode);
        const document = showRowData ? built : redactStrings(built);
        io.stdout.write(toJsonDocument(context ? { error: { ...document.error, target: session.target } } : document));
      }
      stderr.writeLine(errorText(error, stderrColour, verbose && unexpected, context));
    } finally {
      if (!session.keepAlive) {
        removeSignalHandlers();
        for (const error of await session.cleanUp()) {
          ctx.log.warn('clean-up failed', { error: error instanceof Error ? error.message : String(error) });
        }
      }
    }
  };
}

/** Failures the library reports on purpose (their messages say what happened): no stack needed. */
function isKnownFailure(error: unknown): boolean {
  const name = error instanceof Error ? error.name : '';
  return ['MigrationError', 'LockLostError', 'SnapshotError', 'DatabaseError', 'DriverError', 'ManifestError'].includes(name);
}

function installSignalHandlers(session: Session, stderr: Stderr): () => void {
  if (!session.io.handlesSignals) return () => undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    stderr.setStatus(undefined);
    stderr.writeLine(`${signal}: stopping, cleaning up`);
    // A server command (data-api-local) is stopped this way on purpose: that is success.
    const code = session.keepAlive ? 0 : (SIGNAL_EXIT[signal] ?? 1);
    void session.cleanUp().finally(() => process.exit(code));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
}
