/**
 * The order repeatable migrations run in. Flyway applies repeatable migrations "in the order of
 * their description" (Flyway docs, Concepts > Migrations > Repeatable Migrations), where the
 * description is the file name's part after `R__` with underscores read as spaces
 * (`ResourceNameParser`), compared as Java compares strings (UTF-16 code units, as JavaScript does).
 */

/** A repeatable's description as Flyway reads it: `refresh_views` → `refresh views`. */
export function repeatableDescription(name: string): string {
  return name.replaceAll('_', ' ');
}

/** Sort comparator of repeatable names by {@link repeatableDescription}; 0 when Flyway would see the same description. */
export function compareRepeatables(a: string, b: string): number {
  const [left, right] = [repeatableDescription(a), repeatableDescription(b)];
  return left < right ? -1 : left > right ? 1 : 0;
}
