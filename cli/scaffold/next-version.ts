import type { MigrationLayout } from '../../lambda/migrations/readers/layouts';
import { UsageError } from '../usage-error';

/** The current UTC time as a 14-digit version, `YYYYMMDDHHMMSS` (what `dbmate new` writes). */
function timestamp(now: Date): string {
  return now.toISOString().replace(/\D/g, '').slice(0, 14);
}

/** The first version of an empty folder, as each layout's own tool writes it. */
const FIRST_VERSION: Readonly<Record<MigrationLayout, (now: Date) => string>> = {
  native: () => '0001',
  'golang-migrate': () => '000001',
  flyway: () => '1',
  dbmate: timestamp,
};

/**
 * The version of the next migration after `versions` (as the layout writes them):
 * the highest version with its last digit group incremented, keeping its zero padding
 * (`0022` → `0023`, `1.2.9` → `1.2.10`, `0099` → `0100`). Timestamp versions (14 digits,
 * `YYYYMMDDHHMMSS`) get the current UTC time instead, or the highest plus one when that is not
 * above it. An empty folder starts at the layout's usual first version: `0001` (native), `000001`
 * (golang-migrate), `1` (flyway), the current time (dbmate).
 * @param compare the version order (`compareVersions`)
 * @param now the clock, for timestamp versions
 */
export function nextVersion(
  versions: readonly string[],
  compare: (a: string, b: string) => number,
  now: Date = new Date(),
  layout: MigrationLayout = 'native',
): string {
  if (versions.length === 0) return FIRST_VERSION[layout](now);
  const highest = [...versions].sort(compare)[versions.length - 1]!;
  if (/^\d{14}$/.test(highest)) {
    const stamp = timestamp(now);
    return compare(stamp, highest) > 0 ? stamp : increment(highest);
  }
  const groups = highest.split('.');
  groups[groups.length - 1] = increment(groups[groups.length - 1]!);
  return groups.join('.');
}

/** A digit string plus one, keeping its width when it fits (`0009` → `0010`, `99` → `100`). */
function increment(digits: string): string {
  const next = (BigInt(digits) + 1n).toString();
  return next.padStart(digits.length, '0');
}

/** A migration name: letters, digits, `_` and `-` (the native layout's rule). */
const NAME = /^[A-Za-z0-9_-]+$/;

/**
 * The migration name from the `new` argument: spaces become `_` (`"add ocr indexes"` →
 * `add_ocr_indexes`); anything else outside letters, digits, `_` and `-` is refused.
 * @throws {UsageError} naming the argument and the bad character
 */
export function migrationName(input: string): string {
  const name = input.trim().replace(/\s+/g, '_');
  if (name === '') throw new UsageError('<name>: the migration name is empty; e.g. rds-migrate new add_ocr_indexes');
  if (!NAME.test(name)) {
    const bad = [...name].find((ch) => !/[A-Za-z0-9_-]/.test(ch));
    throw new UsageError(`<name>: ${JSON.stringify(input)} may contain only letters, digits, "_" and "-" (found ${JSON.stringify(bad)})`);
  }
  if (name.length > 100) throw new UsageError(`<name>: ${name.length} characters is too long (at most 100)`);
  return name;
}
