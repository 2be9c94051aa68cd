/**
 * SQL identifiers the engine builds into statements (the schema history's schema name). They cannot be
 * bound as parameters, so they are validated here and then always double-quoted
 * (`driver/quote-identifier.ts`).
 */

/**
 * An identifier we accept: lower-case letter or `_`, then lower-case letters, digits, `_` or `$`,
 * at most 63 bytes (PostgreSQL's NAMEDATALEN - 1; docs 4.1.1 "Identifiers and Key Words").
 * Lower case only, so the quoted and the unquoted spelling name the same object.
 */
const IDENTIFIER = /^[a-z_][a-z0-9_$]{0,62}$/;

/**
 * Returns `name` when it is a valid identifier (see {@link IDENTIFIER}).
 * @param field what the name configures, for the error (e.g. `historySchema`)
 * @throws {Error} naming `field` and the rule when `name` is not acceptable
 */
export function validateIdentifier(name: string, field: string): string {
  if (!IDENTIFIER.test(name)) {
    throw new Error(
      `${field} ${JSON.stringify(name)} is not a valid identifier: use 1-63 characters, lower-case letters, digits, ` +
        '"_" or "$", starting with a letter or "_"',
    );
  }
  if (name.startsWith('pg_')) {
    throw new Error(`${field} ${JSON.stringify(name)} may not start with "pg_" (reserved for system schemas)`);
  }
  return name;
}

