import { MigrationCompileError } from '../compile-error';
import { decodeSqlFile } from '../decode-sql-file';
import type { LayoutDirectives, SourceFile } from '../migration-source';

/**
 * Flyway script configuration files (Flyway docs, "Script Configuration"): `<script>.sql.conf` beside
 * a script, in Java properties syntax, e.g.
 *
 *     executeInTransaction=false
 *
 * Read: `executeInTransaction=true|false` (the directive `transaction=on|off`) and `encoding` when it
 * is UTF-8 (the only encoding rds-migrate reads). Blank lines and `#` or `!` comments are skipped.
 * Any other key (`shouldExecute`, ...) is an error naming the line: rds-migrate cannot honour it.
 */

/**
 * Reads a script configuration file.
 * @returns the directives it states (none when it only names the encoding), or undefined when it states none
 * @throws {MigrationCompileError} `path:line: ...` for a malformed line, an unsupported key or a bad value
 */
export function readFlywayScriptConfig(file: SourceFile): LayoutDirectives | undefined {
  let found: LayoutDirectives | undefined;
  for (const [i, raw] of decodeSqlFile(file).replace(/^\uFEFF/, '').split(/\r\n|\n|\r/).entries()) {
    const line = i + 1;
    const text = raw.trim();
    if (text === '' || text.startsWith('#') || text.startsWith('!')) continue;
    const separator = text.indexOf('=');
    if (separator < 0) throw new MigrationCompileError(`malformed script configuration line "${text}": expected key=value, e.g. executeInTransaction=false`, file.path, line);
    const [key, value] = [text.slice(0, separator).trim(), text.slice(separator + 1).trim()];
    if (key === 'encoding') {
      if (!/^utf-?8$/i.test(value)) {
        throw new MigrationCompileError(`encoding=${value} is not supported: rds-migrate reads migrations as UTF-8; convert the script to UTF-8`, file.path, line);
      }
    } else if (key === 'executeInTransaction') {
      if (value !== 'true' && value !== 'false') throw new MigrationCompileError(`executeInTransaction must be true or false, got "${value}"`, file.path, line);
      if (found) throw new MigrationCompileError(`executeInTransaction is given twice (first at line ${found.line})`, file.path, line);
      found = { directives: { transaction: value === 'true' }, text: `${key}=${value}`, path: file.path, line };
    } else {
      throw new MigrationCompileError(
        `script configuration "${key}" is not supported: rds-migrate reads only executeInTransaction (and encoding=UTF-8); ` +
          'write other settings as "-- rds-migrate:" directives at the top of the script',
        file.path,
        line,
      );
    }
  }
  return found;
}
