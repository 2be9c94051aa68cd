import { MigrationCompileError } from '../compile-error';
import { decodeSqlFile } from '../decode-sql-file';
import type { SourceFile } from '../migration-source';
import { SourceText } from '../source-text';

/**
 * Flyway replaces placeholders `${name}` in every script before running it (Flyway docs,
 * "Placeholders": on by default, prefix `${`, suffix `}`, in comments and strings too), and refuses a
 * script whose placeholder has no value. rds-migrate runs the SQL as written, so a placeholder would
 * reach PostgreSQL unreplaced: refused, naming its line and column.
 * @throws {MigrationCompileError} `path:line:column: Flyway placeholder ${name} ...` at the first one
 */
export function rejectFlywayPlaceholders(file: SourceFile): void {
  const text = decodeSqlFile(file);
  const match = /\$\{([^}\r\n]*)\}/.exec(text);
  if (!match) return;
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const { line, column } = new SourceText(body).positionAtIndex(match.index - (body === text ? 0 : 1));
  throw new MigrationCompileError(
    `Flyway placeholder ${match[0]}: rds-migrate runs the SQL as written and does not replace placeholders; ` +
      'write the value in the script instead',
    file.path,
    line,
    column,
  );
}
