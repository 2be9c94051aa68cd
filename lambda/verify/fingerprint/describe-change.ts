/**
 * Says in one line what changed between a recorded and a live definition of the same object, for a
 * drift check's message: `valid true → false; definition "CREATE INDEX ..." → "CREATE INDEX ..."`.
 * Pure.
 */

/** Longest value quoted in a message, characters; longer ones are cut with `…`. */
const MAX_VALUE_CHARS = 120;

function show(value: unknown): string {
  if (value === undefined) return 'absent';
  const text = JSON.stringify(value);
  return text.length <= MAX_VALUE_CHARS ? text : `${text.slice(0, MAX_VALUE_CHARS - 1)}…`;
}

/** The fields of two definitions that differ, in the recorded document's key order, then new keys. */
export function changedFields(expected: Record<string, unknown>, found: Record<string, unknown>): string[] {
  const keys = [...new Set([...Object.keys(expected), ...Object.keys(found)])];
  return keys.filter((k) => JSON.stringify(expected[k]) !== JSON.stringify(found[k]));
}

/** `field old → new` for each differing field, joined with `; `. */
export function describeChange(expected: Record<string, unknown>, found: Record<string, unknown>): string {
  return changedFields(expected, found)
    .map((k) => `${k} ${show(expected[k])} → ${show(found[k])}`)
    .join('; ');
}
