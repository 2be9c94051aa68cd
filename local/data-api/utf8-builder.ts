/** Strings at least this long are written to the Buffer on their own, shorter ones joined first (a write per short string costs more than the join). */
const LONG = 1024;

/**
 * Text added piece by piece, made into one UTF-8 Buffer: long pieces (a response's base64 values, tens of KB
 * each) are copied into it once, rather than joined into one string that is then encoded.
 */
export class Utf8Builder {
  private readonly chunks: string[] = [];
  private short: string[] = [];

  add(text: string): void {
    if (text.length < LONG) {
      this.short.push(text);
    } else {
      this.joinShort();
      this.chunks.push(text);
    }
  }

  toBuffer(): Buffer {
    this.joinShort();
    let size = 0;
    for (const chunk of this.chunks) size += Buffer.byteLength(chunk);
    const buffer = Buffer.allocUnsafe(size);
    let offset = 0;
    for (const chunk of this.chunks) offset += buffer.write(chunk, offset, 'utf8');
    return buffer;
  }

  private joinShort(): void {
    if (this.short.length === 0) return;
    this.chunks.push(this.short.join(''));
    this.short = [];
  }
}
