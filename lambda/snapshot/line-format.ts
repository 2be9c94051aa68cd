/**
 * How a table row is written as one line of a table object, and where lines end (the manifest's
 * `lineFormat`):
 *
 * - `record` (manifest format 3, the default): the row as PostgreSQL's composite-value text,
 *   `ROW(t.c1, t.c2, ...)::text` (PostgreSQL docs, 8.16.6 "Composite Type Input and Output Syntax"):
 *   `(1,"a b",,2024-01-02)`. Each value is its type's own text output (as `COPY` and `pg_dump` write it),
 *   so every type that has one round-trips exactly, user-defined types included; a NULL is nothing between
 *   the commas, an empty string `""`. The restore reads a line back with the target row type's input
 *   (`line::s.t`: record_in, the exact inverse). A value that holds whitespace (a line break too), a
 *   comma, a parenthesis, `"` or `\` is double-quoted, with every `"` and `\` inside doubled, so a line
 *   break inside a value is always between double quotes: a line ends at the first `\n` outside them,
 *   found by toggling at each `"` ({@link LineScanner}).
 * - `json` (formats 1 and 2, still restored): the row as `row_to_json`, one JSON object keyed by
 *   column name; its line breaks (only whitespace inside json values) written as spaces, so every `\n`
 *   ends a line.
 *
 * The record text is about 30% smaller than the JSON (no column names, no JSON escaping) and cheaper for
 * PostgreSQL to write and to read back (measured on `bench:snapshot`'s table).
 */
export type LineFormat = 'record' | 'json';

/** The line format new snapshots are written in. */
export const DEFAULT_LINE_FORMAT: LineFormat = 'record';

const NEWLINE = 0x0a;
const QUOTE = 0x22;

/**
 * Finds the line ends (`\n` bytes that end a row) in a stream of bytes cut anywhere, chunk after chunk:
 * for `json` every `\n`; for `record` those outside double quotes, the quoting carried from one chunk to
 * the next. A stream must start at the start of a line.
 */
export class LineScanner {
  /** Inside a double-quoted value at the end of the bytes scanned so far (`record` only). */
  private quoted = false;

  constructor(readonly format: LineFormat) {}

  /**
   * Calls `onEnd` with the index of each line end in `bytes[from, to)`, in order, and carries the quoting
   * to the next call. Stops early (returning that index) when `onEnd` returns false.
   * @returns the index `onEnd` stopped at, or -1 when it went through
   */
  scan(bytes: Uint8Array, onEnd: (at: number) => boolean | void, from = 0, to = bytes.length): number {
    const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (this.format === 'json') {
      for (let at = buffer.indexOf(NEWLINE, from); at >= 0 && at < to; at = buffer.indexOf(NEWLINE, at + 1)) if (onEnd(at) === false) return at;
      return -1;
    }
    // A byte loop: quotes are frequent in record text (a value with a space, a comma, an array, a bytea),
    // so a loop over every byte beats jumping between them with indexOf.
    let quoted = this.quoted;
    for (let at = from; at < to; at++) {
      const byte = buffer[at]!;
      if (byte > QUOTE) continue;
      if (byte === QUOTE) quoted = !quoted;
      else if (byte === NEWLINE && !quoted && onEnd(at) === false) {
        this.quoted = false;
        return at;
      }
    }
    this.quoted = quoted;
    return -1;
  }

  /** The line ends in `bytes` (see {@link scan}). */
  ends(bytes: Uint8Array): number[] {
    const ends: number[] = [];
    this.scan(bytes, (at) => {
      ends.push(at);
    });
    return ends;
  }

  /** Counts the line ends in `bytes` (see {@link scan}). */
  count(bytes: Uint8Array): number {
    let count = 0;
    this.scan(bytes, () => {
      count += 1;
    });
    return count;
  }
}

/** Counts the lines of `chunks`, a stream starting at a line start, in `format`. */
export function countLines(chunks: readonly Uint8Array[], format: LineFormat): number {
  const scanner = new LineScanner(format);
  return chunks.reduce((sum, chunk) => sum + scanner.count(chunk), 0);
}
