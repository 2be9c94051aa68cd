import type { MigrationDirectives } from './bundle';
import { MigrationCompileError, formatLocation } from './compile-error';
import type { CompiledScript } from './compile-script';
import { DIRECTIVE_FIELDS, type DirectiveSetting } from './directives';
import type { LayoutDirectives } from './migration-source';

/** A migration's directives and whether its up script runs in one transaction. */
export interface RunMode {
  /** The merged directives; absent when the migration gives none. */
  readonly directives?: MigrationDirectives;
  /** True: one transaction. False: statement by statement (a statement needs it, or `transaction=off`). */
  readonly transactional: boolean;
}

/**
 * Merges a migration's header directives with its layout's (dbmate `transaction:false`, Flyway
 * `executeInTransaction=false`) and decides whether it runs in one transaction: unless
 * `transaction=off`, or a statement PostgreSQL refuses in a transaction block.
 *
 * Refused, each naming file and line:
 * - the header and the layout giving different values for one directive;
 * - `transaction=on` (or the layout's equivalent) with a statement that cannot run in a transaction
 *   (named at the statement's line);
 * - a script wrapped in `BEGIN; ... COMMIT;` (golang-migrate) that says `transaction=off`, or holds a
 *   statement that cannot run in a transaction;
 * - `lock_timeout` or `statement_timeout` when no up statement runs in a transaction: the runner sets
 *   them with `SET LOCAL` in each migration transaction, and a statement run outside one (over the
 *   Data API, with no session state between calls) runs with the role's settings.
 * @param up the compiled up script
 * @param layout the layout's directives, when it states any
 */
export function resolveRunMode(up: CompiledScript, layout: LayoutDirectives | undefined): RunMode {
  const path = up.path;
  const merged: Record<string, boolean | number> = { ...(layout?.directives ?? {}) };
  for (const setting of up.header.settings) {
    const fromLayout = layout?.directives[setting.field];
    if (fromLayout !== undefined && fromLayout !== setting.value) {
      throw new MigrationCompileError(
        `${setting.text} contradicts ${layout!.text} at ${formatLocation(layout!.path, layout!.line)}: say it once`,
        path,
        setting.line,
        setting.column,
      );
    }
    merged[setting.field] = setting.value;
  }
  const directives = merged as MigrationDirectives;
  const transactionSetting = up.header.settings.find((s) => s.key === 'transaction');
  // Where the transaction mode was asked for, for errors: the header's directive, else the layout's setting.
  const where = transactionSetting
    ? `${transactionSetting.text} at line ${transactionSetting.line}`
    : `${layout?.text} at ${formatLocation(layout?.path ?? path, layout?.line)}`;

  const statements = up.parsed.statements;
  const outside = statements.find((s) => s.nonTransactional);
  const { wrapper } = up.parsed;
  if (outside && directives.transaction === true) {
    const command = outside.nonTransactionalCommand ?? 'this statement';
    throw new MigrationCompileError(
      `${command} cannot run inside a transaction block, but ${where} asks for one transaction: ` +
        `remove that directive (the migration then runs outside a transaction) or move ${command} into a migration of its own`,
      path,
      outside.line,
    );
  }
  if (wrapper && directives.transaction === false) {
    throw new MigrationCompileError(
      `${where} contradicts the BEGIN (line ${wrapper.beginLine}) ... COMMIT (line ${wrapper.commitLine}) this script wraps itself in: ` +
        'remove one of them',
      path,
      wrapper.beginLine,
    );
  }
  rejectNonTransactionalInWrapper(up);
  if (statements.length > 0 && statements.every((s) => s.nonTransactional)) {
    const timeout = up.header.settings.find((s) => s.key === 'lock_timeout' || s.key === 'statement_timeout');
    if (timeout) rejectTimeout(timeout, path, statements[0]?.nonTransactionalCommand);
  }
  const transactional = outside === undefined && directives.transaction !== false;
  return { ...(Object.keys(directives).length > 0 ? { directives: canonical(directives) } : {}), transactional };
}

/**
 * Refuses a script wrapped in `BEGIN; ... COMMIT;` that holds a statement PostgreSQL refuses in a
 * transaction block (it would fail under golang-migrate too).
 * @throws {MigrationCompileError} at the statement's line
 */
export function rejectNonTransactionalInWrapper(script: CompiledScript): void {
  const { wrapper, statements } = script.parsed;
  const outside = statements.find((s) => s.nonTransactional);
  if (!wrapper || !outside) return;
  const command = outside.nonTransactionalCommand ?? 'this statement';
  throw new MigrationCompileError(
    `${command} cannot run inside the BEGIN (line ${wrapper.beginLine}) ... COMMIT (line ${wrapper.commitLine}) this script wraps ` +
      'itself in: remove the BEGIN and COMMIT (the script then runs outside a transaction)',
    script.path,
    outside.line,
  );
}

function rejectTimeout(setting: DirectiveSetting, path: string, command = 'these statements'): never {
  throw new MigrationCompileError(
    `${setting.key} cannot apply: every statement of this migration runs outside a transaction (${command}), and the ` +
      `runner sets ${setting.key} with SET LOCAL inside each migration transaction; over the Data API a statement run ` +
      "outside one keeps no session settings, so it runs with the role's. Remove the directive",
    path,
    setting.line,
    setting.column,
  );
}

/** The directives in a fixed key order (the bundle JSON and its checksum do not depend on the order written). */
function canonical(directives: MigrationDirectives): MigrationDirectives {
  const ordered: Record<string, boolean | number> = {};
  for (const field of Object.values(DIRECTIVE_FIELDS)) {
    const value = directives[field];
    if (value !== undefined) ordered[field] = value;
  }
  return ordered as MigrationDirectives;
}
