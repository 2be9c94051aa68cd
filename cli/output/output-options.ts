import { Option, type Command } from 'commander';
import { LOG_LEVELS, type LogLevel } from './cli-log';

/** The output flags every command takes. */
export interface OutputFlags {
  /** `--json`: print exactly one JSON document (the report) on stdout. */
  readonly json?: boolean;
  /** `--no-color`: no colour even on a terminal. */
  readonly color?: boolean;
  /** `--no-progress`: no progress bar on stderr. */
  readonly progress?: boolean;
  /** `--verbose`: log level info (and stacks of unexpected errors). */
  readonly verbose?: boolean;
  /** `--log-level <level>`. */
  readonly logLevel?: LogLevel;
  /**
   * `--show-row-data`: keep the data values PostgreSQL quotes in its messages (e.g. the DETAIL
   * `Key (email)=(alice@example.com) already exists.`); without it they print as `<redacted>`, as in
   * the function's logs and reports (`lambda/function/redact-row-data.ts`).
   */
  readonly showRowData?: boolean;
}

/** Adds `--json`, `--no-color`, `--no-progress`, `-v/--verbose`, `--log-level` and `--show-row-data` to a command. */
export function addOutputOptions(command: Command): Command {
  return command
    .option('--json', 'print the report as one JSON document on stdout (logs stay on stderr)')
    .option('--no-color', 'no colour (also: NO_COLOR set); colour is used only on a terminal')
    .option('--no-progress', 'no progress bar on stderr')
    .option('-v, --verbose', 'log what the engine does on stderr (log level info)')
    .addOption(new Option('--log-level <level>', 'stderr log level').choices(LOG_LEVELS as string[]).default('warn'))
    .option('--show-row-data', 'print the row values PostgreSQL quotes in errors (redacted as <redacted> by default, as the function does)');
}

/** The log level the flags ask for: `--log-level`, raised to info by `--verbose`. */
export function logLevelOf(flags: OutputFlags): LogLevel {
  const level = flags.logLevel ?? 'warn';
  if (flags.verbose && LOG_LEVELS.indexOf(level) < LOG_LEVELS.indexOf('info')) return 'info';
  return level;
}
