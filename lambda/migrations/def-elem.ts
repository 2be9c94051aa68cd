import type { DefElem, Node } from 'libpg-query';

/**
 * Reading `DefElem` options (`WITH (create_slot = false)`, `REINDEX (CONCURRENTLY)`) from a parse
 * tree the way PostgreSQL's `defGetBoolean` (src/backend/commands/define.c) does.
 */

/** The option named `name` (case-insensitive; the parser lower-cases unquoted names) in `options`. */
export function findOption(options: readonly Node[] | undefined, name: string): DefElem | undefined {
  for (const option of options ?? []) {
    if ('DefElem' in option && option.DefElem.defname?.toLowerCase() === name) return option.DefElem;
  }
  return undefined;
}

/**
 * The boolean value of an option: an option written without a value is true; `false`, `off`, `no`,
 * `0` (and their prefixes PostgreSQL's `parse_bool` accepts: `f`, `n`, `of`, ...) are false. A value
 * PostgreSQL would reject is taken as true (the server refuses the statement anyway).
 */
export function optionIsTrue(option: DefElem): boolean {
  const arg = option.arg;
  if (arg === undefined) return true;
  if ('Integer' in arg) return (arg.Integer.ival ?? 0) !== 0;
  if ('Boolean' in arg) return arg.Boolean.boolval ?? false;
  if ('String' in arg) return !isFalseWord(arg.String.sval ?? '');
  return true;
}

/** Whether `options` sets `name` true, or leaves it unset and `byDefault` is true. */
export function booleanOption(options: readonly Node[] | undefined, name: string, byDefault: boolean): boolean {
  const option = findOption(options, name);
  return option === undefined ? byDefault : optionIsTrue(option);
}

function isFalseWord(word: string): boolean {
  const w = word.trim().toLowerCase();
  if (w === '0') return true;
  if (w.length === 0) return false;
  if ('false'.startsWith(w) || 'no'.startsWith(w)) return true;
  return w.length >= 2 && 'off'.startsWith(w);
}
