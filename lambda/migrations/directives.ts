import type { MigrationDirectives } from './bundle';
import { MigrationCompileError } from './compile-error';

/**
 * The `-- rds-migrate:` directive syntax (documented for users in `bundle.ts`, "Directives"):
 * whitespace-separated `key=value` pairs after the prefix.
 *
 *     -- rds-migrate: transaction=off lock_timeout=10s statement_timeout=5min retries=5
 */

/** What starts a directive comment's text (after `--` and optional spaces). */
export const DIRECTIVE_PREFIX = 'rds-migrate:';

/** Each directive key and the {@link MigrationDirectives} field it sets. */
export const DIRECTIVE_FIELDS = {
  transaction: 'transaction',
  lock_timeout: 'lockTimeoutMs',
  statement_timeout: 'statementTimeoutMs',
  retries: 'retries',
} as const satisfies Record<string, keyof MigrationDirectives>;

export type DirectiveKey = keyof typeof DIRECTIVE_FIELDS;

/**
 * Largest `lock_timeout` / `statement_timeout`: PostgreSQL stores both as an int of milliseconds
 * (docs: 20.11.1 "Statement Behavior"; `guc_tables.c` bounds them by INT_MAX).
 */
export const MAX_TIMEOUT_MS = 2_147_483_647;

/** Largest `retries`: a guard against typos (each retry waits for the lock timeout and a backoff). */
export const MAX_RETRIES = 100;

/** Milliseconds per unit, with PostgreSQL's spelling of time units (docs: 19.1.1 "Parameter Names and Values"). */
const UNIT_MS = { ms: 1, s: 1000, min: 60_000, h: 3_600_000 } as const;

/** One `key=value` of a directive comment, parsed. */
export interface DirectiveSetting {
  readonly key: DirectiveKey;
  readonly field: keyof MigrationDirectives;
  readonly value: boolean | number;
  /** As written, e.g. `lock_timeout=10s`. */
  readonly text: string;
  /** 1-based line and column of `text` in the file. */
  readonly line: number;
  readonly column: number;
}

/**
 * Parses the settings of one directive comment.
 * @param body the comment's text after {@link DIRECTIVE_PREFIX}
 * @param path the file, named in errors
 * @param line 1-based line of the comment
 * @param column 1-based column (characters) where `body` starts on that line
 * @returns the settings in the order written
 * @throws {MigrationCompileError} `path:line:column` for an empty directive, a pair without `=`, an
 *   unknown key (suggesting the right spelling when only case or `-` differ), or a bad value
 */
export function parseDirectiveComment(body: string, path: string, line: number, column: number): DirectiveSetting[] {
  const settings: DirectiveSetting[] = [];
  const pattern = /\S+/g;
  for (let token = pattern.exec(body); token; token = pattern.exec(body)) {
    const text = token[0];
    const at = column + [...body.slice(0, token.index)].length;
    const fail = (reason: string): never => {
      throw new MigrationCompileError(reason, path, line, at);
    };
    const separator = text.indexOf('=');
    if (separator <= 0) fail(`directive "${text}" is not key=value: write e.g. ${DIRECTIVE_PREFIX} transaction=off lock_timeout=10s`);
    const [key, value] = [text.slice(0, separator), text.slice(separator + 1)];
    if (!isDirectiveKey(key)) {
      const meant = Object.keys(DIRECTIVE_FIELDS).find((k) => k === key.toLowerCase().replaceAll('-', '_'));
      fail(
        `unknown directive "${key}"${meant ? ` (did you mean "${meant}"?)` : ''}: the directives are ` +
          `${Object.keys(DIRECTIVE_FIELDS).join(', ')}`,
      );
    }
    const directive = key as DirectiveKey;
    const parsed = directiveValue(directive, value);
    if (typeof parsed === 'string') fail(`${directive}=${value}: ${parsed}`);
    settings.push({ key: directive, field: DIRECTIVE_FIELDS[directive], value: parsed as boolean | number, text, line, column: at });
  }
  if (settings.length === 0) {
    throw new MigrationCompileError(
      `empty directive: write key=value pairs after "${DIRECTIVE_PREFIX}", e.g. ${DIRECTIVE_PREFIX} transaction=off lock_timeout=10s`,
      path,
      line,
      column,
    );
  }
  return settings;
}

function isDirectiveKey(key: string): key is DirectiveKey {
  return Object.hasOwn(DIRECTIVE_FIELDS, key);
}

/** The value of a directive, or the reason it is refused. */
function directiveValue(key: DirectiveKey, value: string): boolean | number | string {
  switch (key) {
    case 'transaction':
      if (value === 'on' || value === 'off') return value === 'on';
      return 'expected on or off';
    case 'lock_timeout':
    case 'statement_timeout':
      return parseDurationMs(value);
    case 'retries': {
      if (!/^\d+$/.test(value)) return `expected a whole number of retries from 0 to ${MAX_RETRIES}`;
      const retries = Number(value);
      return retries <= MAX_RETRIES ? retries : `at most ${MAX_RETRIES} retries`;
    }
  }
}

/**
 * A duration written as a whole number and a unit (`ms`, `s`, `min`, `h`, case-sensitive as in
 * PostgreSQL), in milliseconds; e.g. `10s` → 10000, `5min` → 300000, `0ms` → 0 (disabled).
 * @returns the milliseconds, or the reason the text is refused (no unit, unknown unit, above {@link MAX_TIMEOUT_MS})
 */
export function parseDurationMs(value: string): number | string {
  const match = /^(\d+)([a-zA-Z]*)$/.exec(value);
  const units = Object.keys(UNIT_MS).join(', ');
  if (!match) return `expected a whole number with a unit (${units}), e.g. 10s or 5min`;
  const [, amount, unit] = match as unknown as [string, string, string];
  if (unit === '') return `the duration needs a unit (${units}), e.g. ${amount}s`;
  if (!Object.hasOwn(UNIT_MS, unit)) return `unknown unit "${unit}": use ${units}`;
  const ms = Number(amount) * UNIT_MS[unit as keyof typeof UNIT_MS];
  return ms <= MAX_TIMEOUT_MS ? ms : `at most ${MAX_TIMEOUT_MS} ms (PostgreSQL's limit), about 24 days`;
}
