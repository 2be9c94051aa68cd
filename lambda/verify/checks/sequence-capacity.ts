/**
 * Built-in check `sequence-capacity`: no sequence that feeds an integer column is past
 * `maxShare` of the values it can still hand out. A `serial` or identity column fails every insert
 * with "nextval: reached maximum value of sequence" (SQLSTATE 2200H) once its sequence reaches the
 * limit, which is the lower of the sequence's own maximum and the column type's (smallint 32,767,
 * integer 2,147,483,647, bigint 9,223,372,036,854,775,807; PostgreSQL docs 8.1 "Numeric Types").
 *
 * Covers sequences owned by a smallint, integer or bigint column of the covered schemas (`serial`,
 * `GENERATED ... AS IDENTITY`, `OWNED BY`): primary keys above all, and any other such column.
 * Share: `last_value / limit` (descending sequences: towards their minimum). A sequence never used,
 * or one the role may not read (`pg_sequences.last_value` is NULL then), counts as empty.
 * Cost: one query; only the sequences past the share travel back (at most {@link LIMIT}).
 */
import type { Executor } from '../../driver/driver';
import type { VerificationCheck } from '../report';
import type { CatalogScope } from '../schema-scope';

const CHECK = 'sequence-capacity';
const LIMIT = 500;

/** Share of a sequence's range past which the check fails. @default 0.75 */
export const DEFAULT_SEQUENCE_MAX_SHARE = 0.75;

interface SequenceRow extends Record<string, string | number> {
  sequence_name: string;
  column_name: string;
  column_type: string;
  last_value: string;
  limit_value: string;
  share: string;
}

/**
 * @param maxShare share of the range (0 < share ≤ 1) past which a sequence fails the check
 * @throws {Error} when `maxShare` is out of range
 */
export async function checkSequenceCapacity(db: Executor, scope: CatalogScope, maxShare = DEFAULT_SEQUENCE_MAX_SHARE): Promise<VerificationCheck[]> {
  if (!(maxShare > 0 && maxShare <= 1)) throw new Error(`sequenceMaxShare must be above 0 and at most 1, got ${maxShare}`);
  const { rows } = await db.execute<SequenceRow>(
    `WITH owned AS (
  SELECT sn.nspname || '.' || sc.relname AS sequence_name,
    tn.nspname || '.' || tc.relname || '.' || a.attname AS column_name,
    format_type(a.atttypid, NULL) AS column_type,
    ps.last_value, s.seqincrement,
    CASE WHEN s.seqincrement > 0
      THEN least(s.seqmax, CASE a.atttypid WHEN 'int2'::regtype THEN 32767 WHEN 'int4'::regtype THEN 2147483647 ELSE 9223372036854775807 END)
      ELSE greatest(s.seqmin, CASE a.atttypid WHEN 'int2'::regtype THEN -32768 WHEN 'int4'::regtype THEN -2147483648 ELSE -9223372036854775808 END)
    END AS limit_value
  FROM pg_sequence s
  JOIN pg_class sc ON sc.oid = s.seqrelid
  JOIN pg_namespace sn ON sn.oid = sc.relnamespace
  JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = s.seqrelid AND d.refclassid = 'pg_class'::regclass
    AND d.refobjsubid > 0 AND d.deptype IN ('a', 'i')
  JOIN pg_class tc ON tc.oid = d.refobjid
  JOIN pg_namespace tn ON tn.oid = tc.relnamespace
  JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
  LEFT JOIN pg_sequences ps ON ps.schemaname = sn.nspname AND ps.sequencename = sc.relname
  WHERE a.atttypid IN ('int2'::regtype, 'int4'::regtype, 'int8'::regtype)
    AND tn.nspname = ANY (string_to_array(:schemas, ',')) AND tn.nspname <> :history_schema
), shares AS (
  SELECT *, coalesce(last_value::numeric / nullif(limit_value, 0)::numeric, 0) AS share FROM owned
)
SELECT sequence_name, column_name, column_type, last_value::text AS last_value, limit_value::text AS limit_value,
  round(share, 4)::text AS share
FROM shares WHERE share >= :max_share::numeric
ORDER BY share DESC, sequence_name
LIMIT ${LIMIT}`,
    { schemas: scope.schemas, history_schema: scope.historySchema, max_share: String(maxShare) },
  );
  const percent = (share: number): string => `${Math.round(share * 1000) / 10}%`;
  if (rows.length === 0) {
    return [{ check: CHECK, severity: 'error', passed: true, message: `no integer column's sequence is past ${percent(maxShare)} of its range` }];
  }
  return rows.map((r) => {
    const object = `sequence ${r.sequence_name}`;
    return {
      check: CHECK, object, severity: 'error' as const, passed: false,
      expected: `below ${percent(maxShare)} of ${r.limit_value}`, found: `${r.last_value} (${percent(Number(r.share))})`,
      message: `${object} feeding ${r.column_name} (${r.column_type}) is at ${r.last_value}, ${percent(Number(r.share))} of its limit ${r.limit_value}: widen the column to bigint before it runs out`,
    };
  });
}
