import { MigrationCompileError } from '../compile-error';

/**
 * The sections of a dbmate migration file (github.com/amacneil/dbmate, `pkg/dbmate/migration.go`):
 *
 *     -- migrate:up transaction:false
 *     CREATE INDEX CONCURRENTLY ...;
 *
 *     -- migrate:down transaction:false
 *     DROP INDEX CONCURRENTLY ...;
 *
 * As dbmate reads them: a marker is a line starting with `--`, optional spaces, `migrate:up` or
 * `migrate:down`, then nothing or whitespace-separated `key:value` options; the up section is
 * required and comes first; before it only blank lines and `--` comments (not `-- rds-migrate:`
 * directives, which belong at the top of the up section). Stricter than dbmate,
 * so that a typo cannot silently move SQL into the wrong section: a second marker of a kind, a
 * line that looks like a marker but is not one (indented, `migrate:Up`, `migrate: up`), an option
 * other than `transaction:true|false`, or a malformed option is an error naming the line.
 */

/** One section: its marker line and the text from the marker's line to the next marker (or the end). */
export interface DbmateSection {
  /** 1-based line of the marker. */
  readonly line: number;
  /** UTF-16 index in the text where the marker line starts (the section includes it). */
  readonly start: number;
  /** UTF-16 index where the section ends (the next marker line's start, or the text's length). */
  readonly end: number;
  /** `transaction:true|false` when the marker line gives it. */
  readonly transaction?: boolean;
  /** The options as written on the marker line, e.g. `transaction:false` (empty when none). */
  readonly optionsText: string;
}

export interface DbmateSections {
  readonly up: DbmateSection;
  readonly down?: DbmateSection;
}

const MARKER = /^--[ \t]*migrate:(up|down)(?=\s|$)(.*)$/;
const MARKER_LIKE = /^\s*--\s*migrate\s*:/i;
const COMMENT_OR_BLANK = /^\s*(--.*)?$/;
const DIRECTIVE_LIKE = /^\s*--\s*rds[-_ ]?migrate\s*:/i;

/**
 * Finds the sections of a dbmate migration file.
 * @param text the file's text (decoded UTF-8; a leading byte order mark is allowed)
 * @param path the file, named in errors
 * @throws {MigrationCompileError} `path:line[:column]` for a rule above, or `path` when there is no up section
 */
export function splitDbmateSections(text: string, path: string): DbmateSections {
  let up: DbmateSection | undefined;
  let down: DbmateSection | undefined;
  const lines = linesOf(text);
  for (const [i, { start, content }] of lines.entries()) {
    const line = i + 1;
    const body = i === 0 && content.startsWith('\uFEFF') ? content.slice(1) : content;
    const marker = MARKER.exec(body);
    if (!marker) {
      if (MARKER_LIKE.test(body)) {
        throw new MigrationCompileError(
          'looks like a dbmate section marker but is not one: write "-- migrate:up" or "-- migrate:down" at the start of the line ' +
            '(lower case, no space after "migrate:"), optionally followed by transaction:false',
          path,
          line,
        );
      }
      if (up === undefined && DIRECTIVE_LIKE.test(body)) {
        throw new MigrationCompileError(
          'rds-migrate directives before "-- migrate:up" would not be read: move this line just below "-- migrate:up" ' +
            '(directives are the first comments of the up section)',
          path,
          line,
        );
      }
      if (up === undefined && !COMMENT_OR_BLANK.test(body)) {
        throw new MigrationCompileError(
          'SQL before the "-- migrate:up" marker: a dbmate migration holds its change after "-- migrate:up" ' +
            '(only comments and blank lines may come before it)',
          path,
          line,
        );
      }
      continue;
    }
    const [, kind, rest] = marker as unknown as [string, 'up' | 'down', string];
    const optionsColumn = body.length - rest.length + 1;
    const section: Omit<DbmateSection, 'end'> = { line, start, ...parseOptions(rest, path, line, optionsColumn) };
    if (kind === 'up') {
      if (up) throw new MigrationCompileError(`second "-- migrate:up" marker (the first is at line ${up.line}): a dbmate migration has one up section`, path, line);
      if (down) {
        throw new MigrationCompileError(`"-- migrate:up" comes after "-- migrate:down" (line ${down.line}): dbmate requires the up section first`, path, line);
      }
      up = { ...section, end: text.length };
    } else {
      if (down) throw new MigrationCompileError(`second "-- migrate:down" marker (the first is at line ${down.line}): a dbmate migration has one down section`, path, line);
      if (!up) {
        throw new MigrationCompileError('"-- migrate:down" comes before any "-- migrate:up": dbmate requires the up section first', path, line);
      }
      up = { ...up, end: start };
      down = { ...section, end: text.length };
    }
  }
  if (!up) {
    throw new MigrationCompileError(
      'no "-- migrate:up" section: a dbmate migration holds "-- migrate:up" followed by its change, and optionally ' +
        '"-- migrate:down" followed by what reverts it',
      path,
    );
  }
  return { up, ...(down ? { down } : {}) };
}

function parseOptions(rest: string, path: string, line: number, column: number): { transaction?: boolean; optionsText: string } {
  let transaction: boolean | undefined;
  const pattern = /\S+/g;
  for (let token = pattern.exec(rest); token; token = pattern.exec(rest)) {
    const at = column + token.index;
    const [key, value, ...extra] = token[0].split(':');
    if (value === undefined || extra.length > 0 || key === '' || value === '') {
      throw new MigrationCompileError(`malformed dbmate option "${token[0]}": options are key:value, e.g. transaction:false`, path, line, at);
    }
    if (key !== 'transaction') {
      throw new MigrationCompileError(`unknown dbmate option "${key}": the only option is transaction:true or transaction:false`, path, line, at);
    }
    if (value !== 'true' && value !== 'false') {
      throw new MigrationCompileError(`dbmate option transaction must be true or false, got "${value}"`, path, line, at);
    }
    if (transaction !== undefined) throw new MigrationCompileError('dbmate option transaction is given twice', path, line, at);
    transaction = value === 'true';
  }
  return { ...(transaction !== undefined ? { transaction } : {}), optionsText: rest.trim() };
}

/** Lines with their starting UTF-16 index, breaking at `\n`, `\r\n` or a lone `\r` as `source-text.ts` counts them. */
function linesOf(text: string): Array<{ start: number; content: string }> {
  const lines: Array<{ start: number; content: string }> = [];
  const pattern = /\r\n|\n|\r/g;
  let start = 0;
  for (let m = pattern.exec(text); m; m = pattern.exec(text)) {
    lines.push({ start, content: text.slice(start, m.index) });
    start = m.index + m[0].length;
  }
  lines.push({ start, content: text.slice(start) });
  return lines;
}
