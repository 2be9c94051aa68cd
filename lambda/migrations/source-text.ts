/**
 * A SQL file's text with the position arithmetic the splitter needs. The PostgreSQL parser works on
 * the UTF-8 bytes: statement locations (`stmt_location`, `stmt_len`) and scanner tokens are byte
 * offsets, while a syntax error's cursor position is a 0-based count of characters (code points,
 * PostgreSQL's `pg_mbstrlen`). JavaScript strings index UTF-16 code units. This class converts
 * between the three so that every line and column reported to users is right for non-ASCII files.
 *
 * Line breaks are `\n`, `\r\n` and a lone `\r` (each counts once), so CRLF files number lines as
 * editors do.
 */
export class SourceText {
  /** The file's UTF-8 bytes, as the parser sees them. */
  readonly bytes: Buffer;
  /** Byte offset where each line starts; `lineStarts[0]` is 0 (line 1). */
  private readonly lineStarts: number[];

  constructor(readonly text: string) {
    this.bytes = Buffer.from(text, 'utf8');
    this.lineStarts = lineStartOffsets(this.bytes);
  }

  /** Length of the text in UTF-8 bytes. */
  get byteLength(): number {
    return this.bytes.length;
  }

  /** The text between two byte offsets (`start` inclusive, `end` exclusive). */
  sliceBytes(start: number, end: number): string {
    return this.bytes.toString('utf8', start, end);
  }

  /** 1-based line of the character starting at byte offset `offset`. */
  lineAtByte(offset: number): number {
    // Last line start <= offset (binary search).
    let low = 0;
    let high = this.lineStarts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if ((this.lineStarts[mid] as number) <= offset) low = mid;
      else high = mid - 1;
    }
    return low + 1;
  }

  /** 1-based line and column (in characters) of the character starting at byte offset `offset`. */
  positionAtByte(offset: number): { line: number; column: number } {
    const line = this.lineAtByte(offset);
    const column = [...this.sliceBytes(this.lineStarts[line - 1] as number, offset)].length + 1;
    return { line, column };
  }

  /**
   * 1-based line and column of the character at 0-based code point offset `codePoint` (how
   * PostgreSQL counts a syntax error's cursor position). The column counts characters from the
   * start of the line. An offset past the end gives the position just after the last character.
   */
  positionAtCodePoint(codePoint: number): { line: number; column: number } {
    let index = 0;
    for (let seen = 0; seen < codePoint && index < this.text.length; seen++) {
      index += (this.text.codePointAt(index) as number) > 0xffff ? 2 : 1;
    }
    return this.positionAtIndex(index);
  }

  /** 1-based line and column (in characters) of the UTF-16 index `index` of {@link text}. */
  positionAtIndex(index: number): { line: number; column: number } {
    const byteOffset = Buffer.byteLength(this.text.slice(0, index), 'utf8');
    const line = this.lineAtByte(byteOffset);
    const lineStartByte = this.lineStarts[line - 1] as number;
    const column = [...this.sliceBytes(lineStartByte, byteOffset)].length + 1;
    return { line, column };
  }
}

function lineStartOffsets(bytes: Buffer): number[] {
  const starts = [0];
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (b === 0x0a) starts.push(i + 1);
    else if (b === 0x0d && bytes[i + 1] !== 0x0a) starts.push(i + 1);
  }
  return starts;
}
