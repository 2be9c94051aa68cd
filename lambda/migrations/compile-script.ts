import type { BundledScript } from './bundle';
import { sha256Hex } from './checksum';
import { MigrationCompileError } from './compile-error';
import { decodeSqlFile } from './decode-sql-file';
import { readHeaderDirectives, type HeaderDirectives, type ScriptRole } from './header-directives';
import type { SourceFile } from './migration-source';
import { parseScript, type ParsedScript, type ParsedStatement } from './split-statements';

/**
 * Longest SQL string the RDS Data API accepts in one ExecuteStatement call, in characters
 * (`/work/shared/data-api-reference.md`, "Limits": one SQL string, at most 65,536 characters).
 */
export const DATA_API_MAX_SQL_CHARACTERS = 65_536;

/** One script compiled, with what the migration-level checks need. */
export interface CompiledScript {
  readonly script: BundledScript;
  /** The script's path as named in errors (`SourceFile.path`). */
  readonly path: string;
  /** The parse: statements (with the command keeping each out of a transaction), comments, wrapper. */
  readonly parsed: ParsedScript;
  /** The header's directives (none for down and verify scripts, where they are refused). */
  readonly header: HeaderDirectives;
}

/**
 * Compiles one script: decodes it (UTF-8), splits it into statements with the PostgreSQL parser
 * (lines counted from `source.firstLine`), checks each statement's length against the Data API's
 * limit and that non-transactional statements are not mixed with others, reads the header
 * directives, and checksums the bytes (sha256 hex).
 * Requires the parser (`await loadSqlParser()`).
 * @throws {MigrationCompileError} naming the file, line and column where known (see `compileSources`)
 */
export function compileScript(source: SourceFile, role: ScriptRole): CompiledScript {
  const text = '\n'.repeat((source.firstLine ?? 1) - 1) + decodeSqlFile(source);
  const parsed = parseScript(text, source.path, { allowTransactionWrapper: source.allowsTransactionWrapper === true });
  for (const statement of parsed.statements) {
    if (statement.sql.length > DATA_API_MAX_SQL_CHARACTERS) {
      throw new MigrationCompileError(
        `statement is ${statement.sql.length} characters long; the RDS Data API accepts at most ` +
          `${DATA_API_MAX_SQL_CHARACTERS} characters in one SQL string: split it (e.g. one INSERT per batch of rows)`,
        source.path,
        statement.line,
      );
    }
  }
  rejectMixedTransactionality(parsed.statements, source.path);
  return {
    script: {
      file: source.file,
      checksum: sha256Hex(source.bytes),
      statements: parsed.statements.map(({ sql, line, nonTransactional }) => ({ sql, line, nonTransactional })),
    },
    path: source.path,
    parsed,
    header: readHeaderDirectives(parsed, source.path, role),
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
