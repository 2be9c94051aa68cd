/**
 * `INSERT INTO <name> AS rds_target` of `columns` (quoted), each read from `source` (what follows `FROM`,
 * a `WHERE` included) as `field(column)`, identity columns taking the snapshot's values (`OVERRIDING SYSTEM
 * VALUE`), `RETURNING returning` when given; a table without columns inserts one empty row per source row.
 * The load statements of both line formats are built on it (`load-table.ts`, `record-batch.ts`).
 */
export function insertStatement(name: string, columns: readonly string[], field: (column: string) => string, source: string, returning?: string): string {
  const returns = returning === undefined ? '' : `\n      RETURNING ${returning}`;
  if (columns.length === 0) return `INSERT INTO ${name} AS rds_target SELECT FROM ${source}${returns}`;
  return `INSERT INTO ${name} AS rds_target (${columns.join(', ')}) OVERRIDING SYSTEM VALUE
      SELECT ${columns.map(field).join(', ')} FROM ${source}${returns}`;
}
