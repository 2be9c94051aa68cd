/**
 * Flyway's script file names (Flyway docs, Concepts > Migrations > Naming; `ResourceNameParser`):
 * `<prefix><version>__<description>.sql`, the prefix `V` (versioned), `U` (undo) or `B` (baseline),
 * and `R__<description>.sql` for repeatable migrations. Prefixes are case-sensitive; the version is
 * everything before the first `__`, digit groups separated by dots or underscores (`1_1` is `1.1`,
 * as Flyway's `MigrationVersion` reads it); the description is everything after it.
 */

/** What a Flyway file name says. */
export type FlywayName =
  | { readonly kind: 'versioned' | 'undo'; readonly version: string; readonly description: string }
  | { readonly kind: 'repeatable'; readonly description: string }
  /** A script configuration file `<script>.sql.conf`: `script` is the script's file name. */
  | { readonly kind: 'config'; readonly script: string }
  /** A Flyway name rds-migrate refuses, and why. */
  | { readonly kind: 'invalid'; readonly reason: string };

const VERSION = /^\d+(?:[._]\d+)*$/;
const CALLBACK = /^(?:before|after)[A-Z][A-Za-z]*(?:__.*)?\.sql$/;
const SCRIPT = /^([VURB])(.*)\.sql$/;

/**
 * Reads a Flyway file name.
 * @param name a file name (no folder)
 * @returns what it names, `invalid` with the reason for a Flyway name rds-migrate refuses (a bad
 *   version, no description, a callback, a baseline migration), or undefined when it is not a Flyway
 *   script or configuration name at all
 */
export function parseFlywayName(name: string): FlywayName | undefined {
  if (name.endsWith('.sql.conf')) return { kind: 'config', script: name.slice(0, -'.conf'.length) };
  if (CALLBACK.test(name)) {
    return { kind: 'invalid', reason: 'Flyway callback scripts (beforeMigrate.sql, afterMigrate.sql, ...) are not supported: make the SQL a migration' };
  }
  const match = SCRIPT.exec(name);
  if (!match) return undefined;
  const [, prefix, rest] = match as unknown as [string, 'V' | 'U' | 'R' | 'B', string];
  const separator = rest.indexOf('__');
  if (separator < 0) return undefined;
  const [version, description] = [rest.slice(0, separator), rest.slice(separator + 2)];
  if (prefix === 'B') {
    return {
      kind: 'invalid',
      reason: 'Flyway baseline migrations (B<version>__) are not supported: apply the versioned migrations, or mark an existing database with rds-migrate baseline',
    };
  }
  if (description === '') return { kind: 'invalid', reason: `no description after "__": expected ${prefix}${version}__<description>.sql` };
  if (prefix === 'R') {
    if (version !== '') return { kind: 'invalid', reason: `a repeatable migration has no version: expected R__${description}.sql` };
    return { kind: 'repeatable', description };
  }
  if (version === '') return { kind: 'invalid', reason: `no version after "${prefix}": expected ${prefix}<version>__${description}.sql, e.g. ${prefix}1.2__${description}.sql` };
  const dotted = flywayVersion(version);
  if (dotted === undefined) {
    return { kind: 'invalid', reason: `could not recognise version number "${version}": digit groups separated by dots or underscores, e.g. 1, 1.2, 1_2, 2024.01.15` };
  }
  return { kind: prefix === 'V' ? 'versioned' : 'undo', version: dotted, description };
}

/**
 * A Flyway version as rds-migrate records it: underscores read as dots (`1_1` → `1.1`, `1.2.3` stays).
 * @returns undefined when `version` is not digit groups separated by dots or underscores
 */
export function flywayVersion(version: string): string | undefined {
  return VERSION.test(version) ? version.replaceAll('_', '.') : undefined;
}

/** True for names only Flyway gives (scripts, configuration files, callbacks): how a folder's layout is recognised. */
export function isFlywayName(name: string): boolean {
  return parseFlywayName(name) !== undefined;
}
