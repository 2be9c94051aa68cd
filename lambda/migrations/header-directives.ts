import type { MigrationDirectives } from './bundle';
import { MigrationCompileError } from './compile-error';
import { DIRECTIVE_PREFIX, parseDirectiveComment, type DirectiveSetting } from './directives';
import type { ParsedScript } from './split-statements';

/**
 * Finds a script's `-- rds-migrate:` directive comments (syntax in `directives.ts`) among the
 * comments the PostgreSQL scanner found, so that the same text inside a string or a dollar-quoted
 * body is never taken for one.
 */

/** Which script of a migration: directives are read from up scripts (and repeatables) only. */
export type ScriptRole = 'up' | 'down' | 'verify' | 'repeatable';

/** The directives of a script's header, with where each was written. */
export interface HeaderDirectives {
  readonly directives: MigrationDirectives;
  /** Each setting as written, in file order (for errors naming the directive). */
  readonly settings: readonly DirectiveSetting[];
}

const NEAR_MISS = /^\s*rds[-_ ]?migrate\s*:/i;

/**
 * Reads the directives of a script's header: the `-- rds-migrate:` line comments before its first
 * statement.
 * @param script the parsed script
 * @param path the file, named in errors
 * @param role up and repeatable scripts may hold directives; down and verify scripts may not
 * @throws {MigrationCompileError} `path:line[:column]` for: a directive in a down or verify script;
 *   a directive after the first statement; a misspelt prefix (`-- RDS-MIGRATE:`, `-- rds_migrate:`)
 *   or a directive in a block comment; a bad setting (`parseDirectiveComment`); a key given twice
 */
export function readHeaderDirectives(script: ParsedScript, path: string, role: ScriptRole): HeaderDirectives {
  const firstStatementLine = script.statements[0]?.line;
  const settings: DirectiveSetting[] = [];
  for (const comment of script.comments) {
    const body = comment.kind === 'line' ? comment.text.slice(2) : comment.text.slice(2, -2);
    const indent = body.length - body.trimStart().length;
    const isDirective = comment.kind === 'line' && body.trimStart().startsWith(DIRECTIVE_PREFIX);
    if (!isDirective) {
      if (NEAR_MISS.test(body)) {
        throw new MigrationCompileError(
          comment.kind === 'block'
            ? `directives are written as line comments: -- ${DIRECTIVE_PREFIX} key=value, not in a block comment`
            : `misspelt directive prefix: write "-- ${DIRECTIVE_PREFIX}" in lower case, with a hyphen, e.g. -- ${DIRECTIVE_PREFIX} transaction=off`,
          path,
          comment.line,
          comment.column,
        );
      }
      continue;
    }
    if (role === 'down' || role === 'verify') {
      throw new MigrationCompileError(
        `directives apply to the whole migration and are read from its up script only: move this line to the top of the up script`,
        path,
        comment.line,
        comment.column,
      );
    }
    if (firstStatementLine !== undefined && comment.line >= firstStatementLine) {
      throw new MigrationCompileError(
        `directive after the first statement (line ${firstStatementLine}): directives are read from the header comment at ` +
          'the top of the script only; move it above the first statement',
        path,
        comment.line,
        comment.column,
      );
    }
    const bodyColumn = comment.column + 2 + indent + DIRECTIVE_PREFIX.length;
    for (const setting of parseDirectiveComment(body.trimStart().slice(DIRECTIVE_PREFIX.length), path, comment.line, bodyColumn)) {
      const earlier = settings.find((s) => s.key === setting.key);
      if (earlier) {
        throw new MigrationCompileError(
          `${setting.key} is given twice (first as ${earlier.text} at line ${earlier.line}): give each directive once`,
          path,
          setting.line,
          setting.column,
        );
      }
      settings.push(setting);
    }
  }
  const directives: Record<string, boolean | number> = {};
  for (const setting of settings) directives[setting.field] = setting.value;
  return { directives: directives as MigrationDirectives, settings };
}
