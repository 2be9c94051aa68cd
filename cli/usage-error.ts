/**
 * Bad input found by the CLI itself: a missing or malformed flag, conflicting targets, a version that
 * is not in the migrations folder. Exits with code 4 (bad input); nothing was read or changed.
 * The message names the flag or argument at fault.
 */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
