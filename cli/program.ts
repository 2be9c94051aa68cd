/**
 * The `rds-migrate` command line: the engine the Lambda function runs, on a developer's machine or
 * in CI. Each command is one small module in `commands/` over the library (`lambda/actions` for
 * status, migrate, verify and snapshot, the very functions the deployed function calls;
 * `lambda/engine/commands` for plan, rollback, baseline, repair and unlock). Commands import the
 * engine, the AWS SDK and the SQL parser lazily, so `--help`, `init` and `new` start fast.
 *
 *     rds-migrate <command> [options]     (rds-migrate --help lists them; each has --help)
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { registerBaseline } from './commands/baseline';
import { registerDataApiLocal } from './commands/data-api-local';
import { registerInit } from './commands/init';
import { registerInvoke } from './commands/invoke';
import { registerLint } from './commands/lint';
import { registerMigrate } from './commands/migrate';
import { registerNew } from './commands/new';
import { registerPlan } from './commands/plan';
import { registerRepair } from './commands/repair';
import { registerRestore } from './commands/restore';
import { registerRollback } from './commands/rollback';
import { registerSnapshot } from './commands/snapshot';
import { registerSnapshots } from './commands/snapshots';
import { registerStatus } from './commands/status';
import { registerUnlock } from './commands/unlock';
import { registerVerify } from './commands/verify';
import { EXIT_CODES_HELP, ExitCode } from './exit-codes';
import { colourEnabled, createColour } from './output/colour';
import { toJsonDocument } from './output/json';
import { processIo, Session, type CliIo } from './session';

const COMMANDS = [
  registerInit,
  registerNew,
  registerStatus,
  registerPlan,
  registerLint,
  registerMigrate,
  registerRollback,
  registerBaseline,
  registerRepair,
  registerUnlock,
  registerVerify,
  registerSnapshot,
  registerSnapshots,
  registerRestore,
  registerDataApiLocal,
  registerInvoke,
];

function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** Builds the commander program for one run. */
export function buildProgram(session: Session): Command {
  const program = new Command('rds-migrate')
    .description(
      'Database migrations for Aurora PostgreSQL: the engine the DatabaseMigrations function runs (snapshot to S3, ' +
        'migrate with a schema history, checksums and a lock, verify), on your machine, against a local ' +
        'PostgreSQL, any PostgreSQL URL, or Aurora through the RDS Data API.',
    )
    .version(packageVersion(), '-V, --version', 'print the version')
    // Options after a command name belong to the command: `baseline --version 0021` is baseline's.
    .enablePositionalOptions()
    .showSuggestionAfterError()
    .exitOverride()
    .configureOutput({
      writeOut: (text) => void session.io.stdout.write(text),
      writeErr: (text) => void session.io.stderr.write(text),
    })
    .addHelpText(
      'after',
      `
Getting started (no database server needed: an embedded PostgreSQL is kept in .rds-migrate/):
  $ rds-migrate init
  $ rds-migrate new create_users        # then write migrations/0001_create_users/up.sql
  $ rds-migrate migrate
  $ rds-migrate status

Every command takes --json (one JSON document on stdout) and --help (with examples).

${EXIT_CODES_HELP}
`,
    );
  // Commands created with .command() inherit exitOverride and configureOutput from the program.
  for (const register of COMMANDS) register(program, session);
  return program;
}

/** How a run ended. */
export interface RunOutcome {
  readonly exitCode: number;
  /** True when the command keeps serving (data-api-local): the process must not exit yet. */
  readonly keepAlive: boolean;
}

/**
 * Runs the CLI once.
 * @param argv the arguments after the executable (`process.argv.slice(2)`)
 * @returns the exit code (see `exit-codes.ts`) and whether the command keeps running
 */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<RunOutcome> {
  const session = new Session(io);
  const program = buildProgram(session);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    if (argv.length === 0) program.outputHelp();
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    // --help and --version end parsing with a CommanderError too: they are successes.
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') {
      session.exitCode = error.code === 'commander.help' && argv.length > 0 ? ExitCode.BadInput : ExitCode.Success;
    } else {
      session.exitCode = ExitCode.BadInput;
      // commander printed `error: ...` on stderr; scripts asking for JSON get the error document too.
      if (argv.includes('--json')) {
        io.stdout.write(toJsonDocument({ error: { name: 'UsageError', message: error.message.replace(/^error: /, ''), exitCode: ExitCode.BadInput, code: error.code } }));
      }
      const colour = createColour(colourEnabled(io.stderr.isTTY, io.env));
      io.stderr.write(colour.dim('(rds-migrate --help lists the commands; rds-migrate <command> --help their options)\n'));
    }
  }
  return { exitCode: session.exitCode, keepAlive: session.keepAlive };
}
