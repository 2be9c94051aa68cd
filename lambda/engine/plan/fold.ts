/**
 * Folding: a transaction step sent as ONE statement, a `DO` block that writes the step's schema
 * history row and then runs the migration's statements with `EXECUTE`. A single statement is a
 * transaction of its own (PostgreSQL docs 3.4 "Transactions": a statement outside a transaction block
 * commits or rolls back whole), so the step stays atomic, and costs one Data API call instead of
 * BeginTransaction, the opening statement, one call per statement and CommitTransaction. The Data API
 * bills per call, and each call is a round trip.
 *
 * Kept as in a transaction step:
 * - the block opens with the same settings (`set_config(..., true)`: lock_timeout, the lease token for
 *   the commit-time check), runs the statements, and then writes the row behind the same lease fence,
 *   with its execution time; a row not written raises SQLSTATE RM001 (lease lost), and the commit-time
 *   check runs at the statement's commit;
 * - each statement runs with a fresh snapshot (PL/pgSQL takes one per command), sees what the
 *   statements before it did, and takes its locks under the migration's lock_timeout;
 * - a failure names the statement: the block's handler re-raises the error with its SQLSTATE, detail
 *   and hint, its message prefixed `[rds-migrate statement N] `, which the executor maps back to the
 *   statement's file and line (`run/folded-error.ts`).
 *
 * Not folded (sent as a transaction instead): a step with a `statement_timeout` (it would bound the
 * whole block, not each statement), a statement PL/pgSQL cannot EXECUTE or that behaves differently
 * there ({@link UNFOLDABLE}; any SELECT with INTO, conservatively), or a block over
 * {@link MAX_FOLDED_CHARACTERS}.
 */
import type { PlannedStatement } from './types';

/** Leading keywords of statements kept out of a DO block. */
const UNFOLDABLE =
  /^\s*(COPY|CALL|PREPARE|EXECUTE|DEALLOCATE|DISCARD|LISTEN|UNLISTEN|LOAD|CHECKPOINT|VACUUM|REINDEX|CLUSTER|SET\s+(SESSION\s+CHARACTERISTICS|TRANSACTION)|BEGIN|START|COMMIT|END|ROLLBACK|ABORT|SAVEPOINT|RELEASE|CREATE\s+DATABASE|DROP\s+DATABASE|ALTER\s+SYSTEM)\b/i;
/** `SELECT ... INTO new_table` is refused by EXECUTE; any SELECT mentioning INTO is kept out. */
const SELECT_INTO = /^\s*(\(\s*)*(WITH\b[\s\S]*)?SELECT\b[\s\S]*\bINTO\b/i;

/** The Data API accepts at most 65,536 characters per SQL string; a margin is kept. */
export const MAX_FOLDED_CHARACTERS = 60_000;

/** The prefix of a folded block's re-raised errors: `[rds-migrate statement N] `. */
export const FOLDED_ERROR = /^\[rds-migrate statement (\d+)\] /;

/** A dollar-quote tag found in none of `texts`: `$<base>$`, else `$<base>_1$` and so on up to `_99`. */
export function tagFor(base: string, texts: readonly string[]): string | undefined {
  for (let n = 0; n < 100; n++) {
    const tag = `$${base}${n === 0 ? '' : `_${n}`}$`;
    if (texts.every((t) => !t.includes(tag))) return tag;
  }
  return undefined;
}

/**
 * Whether `statements` (the migration statements of a transaction step) can be folded.
 * @param statementTimeout true when the step sets a statement_timeout
 */
export function canFold(statements: readonly PlannedStatement[], statementTimeout: boolean): boolean {
  if (statementTimeout) return false;
  const total = statements.reduce((n, s) => n + s.sql.length, 0);
  return total < MAX_FOLDED_CHARACTERS - 4000 && statements.every((s) => !UNFOLDABLE.test(s.sql) && !SELECT_INTO.test(s.sql));
}

/**
 * The folded statement of a step: `opener` sets the step's settings (`run/timeouts.ts`,
 * `openerPerform`), `statements` are the migration's statements, `footer` the step's schema history
 * write as PL/pgSQL (`history/writes.ts`, `historyWriteInBlock`), run last. The result runs as one
 * autocommit call; its `folds` are the statements it stands for (index 0 the history write), for
 * error messages and counts; its `body` locates the block's body, which `fold-batch.ts` sends
 * together with the bodies of the next migrations. The lease token and the execution time before the step
 * (`:lease_token`, `:execution_ms` in its DECLARE section) are filled in as literals when it runs (a
 * DO block takes no parameters).
 * @returns undefined when no dollar-quote tag fits (a statement contains all candidates)
 */
export function foldStep(opener: string, statements: readonly PlannedStatement[], footer: { sql: string; statement: PlannedStatement }): PlannedStatement | undefined {
  const texts = [opener, footer.sql, ...statements.map((s) => s.sql)];
  const outer = tagFor('rds_migrate', texts);
  if (!outer) return undefined;
  const parts: string[] = [];
  for (const [i, statement] of statements.entries()) {
    const inner = tagFor(`rds_migrate_${i + 1}`, [...texts, outer]);
    if (!inner) return undefined;
    parts.push(`  rds_migrate_statement := ${i + 1};\n  EXECUTE ${inner}${statement.sql}${inner};`);
  }
  const head = `DO ${outer}
DECLARE
  rds_migrate_token text := :lease_token;
  rds_migrate_prior integer := :execution_ms;
`;
  const body = `${opener}
${parts.join('\n')}
  rds_migrate_statement := 0;
${footer.sql}`;
  const sql = `${head}  rds_migrate_started timestamptz := statement_timestamp();
${ERROR_DECLARATIONS}
BEGIN
${body}
EXCEPTION WHEN OTHERS THEN
${keepError('  ')}
  rds_migrate_message := format('[rds-migrate statement %s] %s', rds_migrate_statement, rds_migrate_message);
${raiseKept('  ')}
END
${outer}`;
  if (sql.length > MAX_FOLDED_CHARACTERS) return undefined;
  const bodyStart = sql.indexOf(body, head.length);
  return {
    role: 'migration',
    sql,
    continueAfterTimeout: true,
    runtimeParams: ['lease_token', 'execution_ms'],
    inlineParamsBefore: head.length,
    folds: [footer.statement, ...statements],
    body: { start: bodyStart, end: bodyStart + body.length },
    // Where it comes from as a whole (an error of one statement is mapped to that statement).
    ...(statements[0]?.source ? { source: { file: statements[0].source.file, line: 0, statement: 0 } } : {}),
    ...(footer.statement.confirm ? { confirm: footer.statement.confirm } : {}),
  };
}

/**
 * The DECLARE lines, shared by a folded step and a batch (`fold-batch.ts`), of the statement running
 * (`rds_migrate_statement`, 0 for the history write), the rows a body's statements count into
 * (`rds_migrate_rows`), and the error {@link keepError} keeps for {@link raiseKept}.
 */
export const ERROR_DECLARATIONS = `  rds_migrate_statement integer := 0;
  rds_migrate_rows bigint;
  rds_migrate_state text;
  rds_migrate_message text;
  rds_migrate_detail text;
  rds_migrate_hint text;`;

/**
 * PL/pgSQL, in an exception handler, keeping the error caught (SQLSTATE, message, detail, hint) in the
 * variables of {@link ERROR_DECLARATIONS}.
 * @param indent put before each line
 */
export function keepError(indent: string): string {
  return `${indent}GET STACKED DIAGNOSTICS rds_migrate_state = RETURNED_SQLSTATE, rds_migrate_message = MESSAGE_TEXT,
${indent}  rds_migrate_detail = PG_EXCEPTION_DETAIL, rds_migrate_hint = PG_EXCEPTION_HINT;`;
}

/**
 * PL/pgSQL raising again the error kept in the block's variables (`rds_migrate_state`,
 * `rds_migrate_message`, `rds_migrate_detail`, `rds_migrate_hint`) with its SQLSTATE, and its detail
 * and hint when it has them (RAISE ... USING takes no empty DETAIL or HINT).
 * @param indent put before each line
 */
export function raiseKept(indent: string): string {
  return [
    "IF rds_migrate_detail <> '' AND rds_migrate_hint <> '' THEN",
    '  RAISE USING ERRCODE = rds_migrate_state, MESSAGE = rds_migrate_message, DETAIL = rds_migrate_detail, HINT = rds_migrate_hint;',
    "ELSIF rds_migrate_detail <> '' THEN",
    '  RAISE USING ERRCODE = rds_migrate_state, MESSAGE = rds_migrate_message, DETAIL = rds_migrate_detail;',
    "ELSIF rds_migrate_hint <> '' THEN",
    '  RAISE USING ERRCODE = rds_migrate_state, MESSAGE = rds_migrate_message, HINT = rds_migrate_hint;',
    'ELSE',
    '  RAISE USING ERRCODE = rds_migrate_state, MESSAGE = rds_migrate_message;',
    'END IF;',
  ]
    .map((line) => indent + line)
    .join('\n');
}

/**
 * Writes a runtime value as a SQL string literal for a DO block: single quotes doubled; with a
 * backslash, an escape string (E'...') with backslashes doubled too, so the text means the same
 * whatever standard_conforming_strings says (PostgreSQL docs 4.1.2.1, 4.1.2.2).
 */
export function sqlLiteral(value: string): string {
  const quoted = value.replace(/'/g, "''");
  return value.includes('\\') ? `E'${quoted.replace(/\\/g, '\\\\')}'` : `'${quoted}'`;
}
