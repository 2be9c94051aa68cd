/**
 * Built-in check `index-usage`: the index-usage report the seed guides run by hand on
 * `pg_stat_user_indexes`, as warnings (PostgreSQL docs 27.2 "The Cumulative Statistics System"):
 *
 * - `unused`: an index with `idx_scan = 0` that is neither unique nor backing a constraint, on a
 *   table read at least `minTableScans` times (`seq_scan + idx_scan` of `pg_stat_user_tables`), so
 *   the planner had its chances. It costs every write and buys nothing.
 * - `duplicate`: two or more valid indexes of one table with the same access method, columns or
 *   expressions (`indkey`, `indexprs`), operator classes, collations, options and predicate
 *   (`indpred`). All but one are reported; the one kept is the one backing a constraint, else a
 *   unique one, else the oldest.
 *
 * Statistics count since the last `pg_stat_reset` and only on the instance that answers: an Aurora
 * cluster's readers keep their own, so an index used only by queries on readers reads as unused here.
 * That is why these are warnings. Cost: one query (at most {@link LIMIT} indexes listed).
 */
import type { Executor } from '../../driver/driver';
import type { VerificationCheck } from '../report';
import type { CatalogScope } from '../schema-scope';

const CHECK = 'index-usage';
const LIMIT = 500;

/** Reads of a table before its never-scanned indexes count as unused. @default 1000 */
export const DEFAULT_UNUSED_INDEX_MIN_TABLE_SCANS = 1000;

interface UsageRow extends Record<string, string | number> {
  kind: 'unused' | 'duplicate';
  index_name: string;
  table_name: string;
  other: string;
  table_scans: number;
  bytes: number;
}

/**
 * @param minTableScans reads of the table (sequential and index scans) needed before a never-used
 *   index is reported
 * @throws {Error} when `minTableScans` is not a whole number ≥ 0
 */
export async function checkIndexUsage(
  db: Executor,
  scope: CatalogScope,
  minTableScans = DEFAULT_UNUSED_INDEX_MIN_TABLE_SCANS,
): Promise<VerificationCheck[]> {
  if (!Number.isInteger(minTableScans) || minTableScans < 0) {
    throw new Error(`unusedIndexMinTableScans must be a whole number of scans >= 0, got ${minTableScans}`);
  }
  const { rows } = await db.execute<UsageRow>(
    `WITH idx AS (
  SELECT i.indexrelid, i.indrelid, n.nspname || '.' || ic.relname AS index_name, n.nspname || '.' || tc.relname AS table_name,
    i.indisunique, EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid) AS backs_constraint,
    coalesce(si.idx_scan, 0) AS idx_scan, coalesce(st.seq_scan, 0) + coalesce(st.idx_scan, 0) AS table_scans,
    ic.relam, i.indkey::text AS keys, i.indclass::text AS classes, i.indcollation::text AS collations, i.indoption::text AS options,
    coalesce(pg_get_expr(i.indexprs, i.indrelid), '') AS exprs, coalesce(pg_get_expr(i.indpred, i.indrelid), '') AS pred,
    pg_relation_size(i.indexrelid) AS bytes
  FROM pg_index i
  JOIN pg_class ic ON ic.oid = i.indexrelid
  JOIN pg_class tc ON tc.oid = i.indrelid
  JOIN pg_namespace n ON n.oid = tc.relnamespace
  LEFT JOIN pg_stat_user_indexes si ON si.indexrelid = i.indexrelid
  LEFT JOIN pg_stat_user_tables st ON st.relid = i.indrelid
  WHERE i.indisvalid AND n.nspname = ANY (string_to_array(:schemas, ',')) AND n.nspname <> :history_schema
), ranked AS (
  SELECT idx.*, first_value(index_name) OVER same AS kept, row_number() OVER same AS rank
  FROM idx
  WINDOW same AS (PARTITION BY indrelid, relam, keys, classes, collations, options, exprs, pred
    ORDER BY backs_constraint DESC, indisunique DESC, indexrelid)
)
SELECT * FROM (
  SELECT 'duplicate' AS kind, index_name, table_name, kept AS other, table_scans, bytes FROM ranked WHERE rank > 1
  UNION ALL
  SELECT 'unused', index_name, table_name, '', table_scans, bytes FROM idx
  WHERE idx_scan = 0 AND NOT indisunique AND NOT backs_constraint AND table_scans >= :min_table_scans
) found
ORDER BY kind, index_name
LIMIT ${LIMIT}`,
    { schemas: scope.schemas, history_schema: scope.historySchema, min_table_scans: minTableScans },
  );
  if (rows.length === 0) {
    return [{ check: CHECK, severity: 'warning', passed: true, message: 'no unused or duplicate index' }];
  }
  return rows.map((r) => {
    const object = `index ${r.index_name}`;
    const size = `${Math.ceil(r.bytes / 1024)} KB`;
    return r.kind === 'duplicate'
      ? {
          check: CHECK, object, kind: 'duplicate', severity: 'warning' as const, passed: false, expected: 'unique definition', found: `duplicate of ${r.other}`,
          message: `${object} on ${r.table_name} duplicates index ${r.other} (same columns, operator classes and predicate; ${size}): drop one`,
        }
      : {
          check: CHECK, object, kind: 'unused', severity: 'warning' as const, passed: false, expected: 'idx_scan > 0', found: `idx_scan 0, table read ${r.table_scans} times`,
          message: `${object} on ${r.table_name} was never scanned while the table was read ${r.table_scans} times (${size}, statistics of this instance only)`,
        };
  });
}
