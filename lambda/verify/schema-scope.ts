/**
 * The schemas the catalog checks cover, as one parameter: the Data API rejects array parameters
 * (`data-api-reference.md`), so the list travels as comma-separated text and the SQL splits it with
 * `string_to_array(:schemas, ',')`.
 */

/** Covered schemas when none are configured (the function's RDS_MIGRATE_SCHEMAS default). */
export const DEFAULT_SCHEMAS: readonly string[] = ['public'];

/**
 * Joins `schemas` into the `:schemas` parameter.
 * @param field what configures them, for the error (e.g. `schemas`)
 * @throws {Error} naming `field` when the list is empty or a name is empty or holds a comma
 */
export function schemasParam(schemas: readonly string[] = DEFAULT_SCHEMAS, field = 'schemas'): string {
  if (schemas.length === 0) throw new Error(`${field} names no schema: give at least one (e.g. "public")`);
  schemas.forEach((s, i) => {
    if (s === '' || s.includes(',')) throw new Error(`${field}[${i}] ${JSON.stringify(s)} is not a schema name (empty, or holds a comma)`);
  });
  return schemas.join(',');
}

/** What the catalog checks look at, ready to bind as `:schemas` and `:history_schema`. */
export interface CatalogScope {
  /** Covered schemas, comma-separated ({@link schemasParam}). */
  readonly schemas: string;
  /** The schema history schema: never checked, even when listed. */
  readonly historySchema: string;
}
