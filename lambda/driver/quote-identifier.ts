/**
 * Quotes an identifier for SQL text: always double-quoted, embedded `"` doubled (PostgreSQL docs, 4.1.1
 * "Identifiers and Key Words"), so any name, including reserved words and mixed case, is taken literally.
 * @throws {Error} when the name is empty or contains a NUL character (PostgreSQL accepts neither)
 */
export function quoteIdentifier(name: string): string {
  if (name.length === 0 || name.includes('\0')) throw new Error(`Invalid identifier ${JSON.stringify(name)}`);
  return `"${name.replace(/"/g, '""')}"`;
}

/** `"schema"."table"`. */
export function qualifiedName(schema: string, table: string): string {
  return `${quoteIdentifier(schema)}.${quoteIdentifier(table)}`;
}
