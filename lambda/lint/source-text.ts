/**
 * A SQL file's text with the position arithmetic the linter needs.
 *
 * The PostgreSQL parser (libpg-query) reports node `location`s and statement spans as byte offsets
 * into the UTF-8 encoding of the text, while its syntax-error cursor counts characters, as
 * PostgreSQL's own error positions do (`scanner_errposition` uses `pg_mbstrlen_with_len`). Findings are
 * reported as a 1-based line and a 1-based column counted in characters (Unicode code points, not
 * bytes and not UTF-16 units), so a multi-byte name earlier on the line does not shift the column.
 */

/** A 1-based line and column (column in characters). */
export interface LinePosition {
  readonly line: number;
  readonly column: number;
}

/** True for a UTF-8 continuation byte (10xxxxxx), which does not start a character. */
function isContinuationByte(byte: number): boolean {
  return (byte & 0xc0) === 0x80;
}

export class SourceText {
  /** The UTF-8 bytes the parser saw. */
  readonly bytes: Buffer;
  /** Byte offset where each line starts; line 1 starts at 0. */
  private readonly lineStarts: number[];

  constructor(readonly text: string) {
    this.bytes = Buffer.from(text, 'utf8');
    this.lineStarts = [0];
    for (let i = 0; i < this.bytes.length; i++) if (this.bytes[i] === 0x0a) this.lineStarts.push(i + 1);
  }

  /** Length of the text in bytes. */
  get byteLength(): number {
    return this.bytes.length;
  }

  /**
   * Line and column of a byte offset. Offsets outside the text are clamped to its ends; an offset
   * inside a multi-byte character counts as that character.
   */
  positionOfByte(byteOffset: number): LinePosition {
    const offset = Math.max(0, Math.min(Math.trunc(byteOffset), this.bytes.length));
    let low = 0;
    let high = this.lineStarts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (this.lineStarts[mid]! <= offset) low = mid;
      else high = mid - 1;
    }
    const lineStart = this.lineStarts[low]!;
    let column = 1;
    for (let i = lineStart; i < offset; i++) if (!isContinuationByte(this.bytes[i]!)) column++;
    // An offset pointing into the middle of a character belongs to that character.
    if (offset < this.bytes.length && isContinuationByte(this.bytes[offset]!) && column > 1) column--;
    return { line: low + 1, column };
  }

  /**
   * Byte offset of the character at a 0-based character index (the parser's syntax-error cursor).
   * An index past the end gives the text's byte length.
   */
  byteOfCharacter(characterIndex: number): number {
    let remaining = Math.max(0, Math.trunc(characterIndex));
    for (let i = 0; i < this.bytes.length; i++) {
      if (isContinuationByte(this.bytes[i]!)) continue;
      if (remaining === 0) return i;
      remaining--;
    }
    return this.bytes.length;
  }

  /** Byte offset of a UTF-16 string index into `text` (for positions found with JavaScript string search). */
  byteOfStringIndex(stringIndex: number): number {
    return Buffer.byteLength(this.text.slice(0, Math.max(0, stringIndex)), 'utf8');
  }

  /** The text between two byte offsets. */
  slice(startByte: number, endByte: number): string {
    const start = Math.max(0, Math.min(startByte, this.bytes.length));
    const end = Math.max(start, Math.min(endByte, this.bytes.length));
    return this.bytes.toString('utf8', start, end);
  }
}
