import type { BundledMigration, BundledScript, MigrationBundle } from './bundle';
import { bundleChecksum, sha256Hex } from './checksum';
import { compareVersions } from './compare-versions';
import { MigrationCompileError } from './compile-error';
import { decodeSqlFile } from './decode-sql-file';
import type { MigrationReader, MigrationSource, SourceFile } from './migration-source';
import { readNativeLayout } from './readers/native-layout';
import { parseStatements, type ParsedStatement } from './split-statements';
import { loadSqlParser } from './sql-parser';

/**
 * Longest SQL string the RDS Data API accepts in one ExecuteStatement call, in characters
 * (`/work/shared/data-api-reference.md`, "Limits": one SQL string, at most 65,536 characters).
 */
export const DATA_API_MAX_SQL_CHARACTERS = 65_536;

export interface CompileOptions {
  /** Reads the folder's layout. @default readNativeLayout (`<version>_<name>/{up,down,verify}.sql`) */
  readonly reader?: MigrationReader;
}

/**
 * Compiles a migrations folder into a {@link MigrationBundle}: reads it (native layout unless
 * `options.reader` says otherwise), then {@link compileSources}.
 * @param dir the migrations folder, named in errors as given
 * @throws {MigrationCompileError} for any bad input, naming the path (and line, column) at fault
 */
export async function compileMigrations(dir: string, options: CompileOptions = {}): Promise<MigrationBundle> {
  await loadSqlParser();
  const sources = await (options.reader ?? readNativeLayout)(dir);
  return compileSources(sources);
}

/**
 * Compiles migrations a reader found: sorts them by version ({@link compareVersions}), splits every
 * script into statements with the PostgreSQL parser, and computes checksums (sha256 of each file's
 * bytes; the bundle checksum from `checksum.ts`) and whether each migration is transactional.
 *
 * Rejected, with a {@link MigrationCompileError} naming the path, line and column where known:
 * - two migrations with the same version (`1` and `01`, `1` and `1.0`);
 * - a file that is not UTF-8, contains a NUL character, or has a syntax error;
 * - transaction control (BEGIN, COMMIT, ROLLBACK, SAVEPOINT, ...) in any script;
 * - an up.sql without any statement;
 * - a script mixing statements PostgreSQL refuses inside a transaction block (CREATE INDEX
 *   CONCURRENTLY, VACUUM, ...) with other statements: the runner runs a script either in one
 *   transaction, or statement by statement when every statement needs that;
 * - a statement longer than {@link DATA_API_MAX_SQL_CHARACTERS}.
 *
 * Requires the parser: call `await loadSqlParser()` first ({@link compileMigrations} does).
 */
export function compileSources(sources: readonly MigrationSource[]): MigrationBundle {
  const sorted = [...sources].sort((a, b) => compareVersions(a.version, b.version));
  for (let i = 1; i < sorted.length; i++) {
    const [previous, current] = [sorted[i - 1] as MigrationSource, sorted[i] as MigrationSource];
    if (compareVersions(previous.version, current.version) === 0) {
      throw new MigrationCompileError(
        `duplicate migration version: "${current.version}" is the same version as "${previous.version}" of ` +
          `${previous.location} (versions compare numerically, so leading zeros and trailing ".0" groups do not count); ` +
          'give one of them a new version',
        current.location,
      );
    }
  }
  const migrations = sorted.map(compileMigration);
  return { formatVersion: 1, checksum: bundleChecksum(migrations), migrations };
}

function compileMigration(source: MigrationSource): BundledMigration {
  const up = compileScript(source.up);
  if (up.statements.length === 0) {
    throw new MigrationCompileError('up.sql has no SQL statement (only comments or whitespace): write the change, or remove the migration', source.up.path);
  }
  const down = source.down && compileScript(source.down);
  const verify = source.verify && compileScript(source.verify);
  return {
    version: source.version,
    name: source.name,
    checksum: up.checksum,
    transactional: !up.statements.some((s) => s.nonTransactional),
    up,
    ...(down ? { down } : {}),
    ...(verify ? { verify } : {}),
  };
}

function compileScript(source: SourceFile): BundledScript {
  const statements = parseStatements(decodeSqlFile(source), source.path);
  for (const statement of statements) {
    if (statement.sql.length > DATA_API_MAX_SQL_CHARACTERS) {
      throw new MigrationCompileError(
        `statement is ${statement.sql.length} characters long; the RDS Data API accepts at most ` +
          `${DATA_API_MAX_SQL_CHARACTERS} characters in one SQL string: split it (e.g. one INSERT per batch of rows)`,
        source.path,
        statement.line,
      );
    }
  }
  rejectMixedTransactionality(statements, source.path);
  return {
    file: source.file,
    checksum: sha256Hex(source.bytes),
    statements: statements.map(({ sql, line, nonTransactional }) => ({ sql, line, nonTransactional })),
  };
}

function rejectMixedTransactionality(statements: readonly ParsedStatement[], path: string): void {
  const outside = statements.find((s) => s.nonTransactional);
  const inside = statements.find((s) => !s.nonTransactional);
  if (outside === undefined || inside === undefined) return;
  const command = outside.nonTransactionalCommand ?? 'this statement';
  throw new MigrationCompileError(
    `${command} cannot be mixed with transactional statements (the first at line ${inside.line}) in one script: ` +
      `PostgreSQL cannot run ${command} inside a transaction block, and rds-migrate runs a script either in one ` +
      'transaction or, when every statement needs it, statement by statement outside one. ' +
      `Move ${command} into a migration of its own.`,
    path,
    outside.line,
  );
}
