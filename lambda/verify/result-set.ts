/**
 * Whether a verify statement returns a result set, decided from its first keyword (the function runs
 * without the SQL parser). The driver contract returns `rows: []` both for a query that found nothing
 * and for a statement without a result set, so the pass/fail rule needs this to tell them apart.
 *
 * Returning a result set: statements starting with SELECT, WITH, VALUES, TABLE, SHOW or EXPLAIN.
 * (INSERT/UPDATE/DELETE ... RETURNING would write, which the read-only verify transaction refuses.)
 * Leading comments and parentheses (`(SELECT ...) UNION ...`) are skipped.
 */
const LEADING_NOISE = /^(?:\s+|--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/|\()*/;
const QUERY_KEYWORD = /^(SELECT|WITH|VALUES|TABLE|SHOW|EXPLAIN)\b/i;

export function returnsResultSet(sql: string): boolean {
  return QUERY_KEYWORD.test(sql.replace(LEADING_NOISE, ''));
}
