import { isUtf8 } from 'node:buffer';
import { MigrationCompileError } from './compile-error';
import type { SourceFile } from './migration-source';

const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Decodes a SQL file as UTF-8 (PostgreSQL's `client_encoding` for the Data API and for rds-migrate's
 * connections). A leading byte order mark is kept in the text (the splitter skips it) so that the
 * text still matches the checksummed bytes.
 * @throws {MigrationCompileError} `path:line: is not valid UTF-8 ...` naming the first line with an
 *   invalid byte sequence (counted from `source.firstLine` for a section of a file)
 */
export function decodeSqlFile(source: SourceFile): string {
  try {
    return decoder.decode(source.bytes);
  } catch {
    throw new MigrationCompileError(
      'is not valid UTF-8 text; save the file as UTF-8 (PostgreSQL receives migration SQL as UTF-8)',
      source.path,
      lineInFile(firstInvalidLine(source.bytes), source.firstLine),
    );
  }
}

function lineInFile(line: number | undefined, firstLine = 1): number | undefined {
  return line === undefined ? undefined : line + firstLine - 1;
}

/**
 * 1-based line holding the first invalid UTF-8 sequence, lines ending at `\n`, `\r\n` or a lone `\r`
 * as in source-text.ts (a multi-byte sequence never contains either byte).
 */
function firstInvalidLine(bytes: Uint8Array): number | undefined {
  let line = 1;
  let start = 0;
  for (let i = 0; i <= bytes.length; i++) {
    if (i === bytes.length || bytes[i] === 0x0a || (bytes[i] === 0x0d && bytes[i + 1] !== 0x0a)) {
      if (!isUtf8(bytes.subarray(start, i))) return line;
      line++;
      start = i + 1;
    }
  }
  return undefined;
}
