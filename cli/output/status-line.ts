/**
 * stderr as the CLI uses it: log lines, plus at most one live status line at the bottom (a progress
 * bar) redrawn in place with `\r` when stderr is a terminal. A log line clears the status line,
 * is written, and the status line is drawn again under it, so the two never garble each other.
 * When stderr is not a terminal there is no status line: `setStatus` does nothing.
 */
export interface Stderr {
  /** Writes one line (a newline is added). */
  writeLine(text: string): void;
  /** Shows `text` as the status line (terminal only); `undefined` removes it. */
  setStatus(text: string | undefined): void;
  /** True when stderr is a terminal (status lines are drawn). */
  readonly live: boolean;
}

/** The writable part of a stream the CLI writes to. */
export interface TextSink {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

const CLEAR_LINE = '\r\u001b[2K';

/** Wraps a stream (process.stderr) as {@link Stderr}. */
export function createStderr(sink: TextSink): Stderr {
  const live = sink.isTTY === true;
  let status: string | undefined;
  const fit = (text: string): string => {
    // A terminal that reports no size (0, e.g. a pseudo-terminal under `script`) gets 120 columns.
    const columns = sink.columns || 120;
    return text.length > columns - 1 ? text.slice(0, Math.max(0, columns - 2)) + '…' : text;
  };
  return {
    live,
    writeLine(text) {
      if (live && status !== undefined) sink.write(CLEAR_LINE);
      sink.write(`${text}\n`);
      if (live && status !== undefined) sink.write(fit(status));
    },
    setStatus(text) {
      if (!live) return;
      if (text === undefined) {
        if (status !== undefined) sink.write(CLEAR_LINE);
        status = undefined;
        return;
      }
      status = text;
      sink.write(CLEAR_LINE + fit(text));
    },
  };
}
