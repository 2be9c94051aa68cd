import type { Log } from '../../lambda/observability/log';
import type { Colour } from './colour';
import type { Stderr } from './status-line';

/** How much the CLI logs on stderr: `error` < `warn` < `info` < `debug`. */
export type LogLevel = 'error' | 'warn' | 'info' | 'debug';

export const LOG_LEVELS: readonly LogLevel[] = ['error', 'warn', 'info', 'debug'];

function formatValue(value: unknown): string {
  if (typeof value === 'string') return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  if (value instanceof Date) return value.toISOString();
  return JSON.stringify(value) ?? String(value);
}

/**
 * The `Log` the library code (engine, snapshot, verification) writes to when run from the CLI: one
 * line per message on stderr, `level: message key=value ...`, at `level` and above. The library logs
 * names, counts and durations only (never row data), and so does this.
 */
export function createCliLog(stderr: Stderr, colour: Colour, level: LogLevel): Log {
  const threshold = LOG_LEVELS.indexOf(level);
  const style: Record<LogLevel, (text: string) => string> = { error: colour.red, warn: colour.yellow, info: colour.cyan, debug: colour.dim };
  const write = (at: LogLevel) => (message: string, extra?: Record<string, unknown>) => {
    if (LOG_LEVELS.indexOf(at) > threshold) return;
    const fields = Object.entries(extra ?? {})
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k}=${formatValue(v)}`)
      .join(' ');
    stderr.writeLine(`${style[at](`${at}:`)} ${message}${fields ? ` ${colour.dim(fields)}` : ''}`);
  };
  return { error: write('error'), warn: write('warn'), info: write('info'), debug: write('debug') };
}

/** A Log that forwards to `log` and also hands each message to `observer` (e.g. a progress bar). */
export function teeLog(log: Log, observer: (level: LogLevel, message: string, extra: Record<string, unknown>) => void): Log {
  const forward = (level: LogLevel) => (message: string, extra?: Record<string, unknown>) => {
    observer(level, message, extra ?? {});
    log[level](message, extra);
  };
  return { error: forward('error'), warn: forward('warn'), info: forward('info'), debug: forward('debug') };
}
