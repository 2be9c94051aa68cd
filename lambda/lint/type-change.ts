import { displayType, type TypeSpec } from './type-spec';

/**
 * Whether `ALTER TABLE ... ALTER COLUMN ... TYPE` rewrites the table.
 *
 * PostgreSQL docs, ALTER TABLE, Notes: changing a column's type rewrites the table and its indexes,
 * except when the old type is binary coercible to the new one (and USING does not change the
 * value); then only indexes whose sort order changes are rebuilt. The cases below were checked
 * against PostgreSQL 18 by comparing `pg_class.relfilenode` before and after (see
 * `test/lint/type-change.test.ts`), including the typmod "support functions" that make these free:
 * - varchar(n) → varchar(m ≥ n) or unbounded varchar/text; text → unbounded varchar; varchar/text → unbounded bpchar;
 * - numeric(p,s) → numeric(q ≥ p, s) or unconstrained numeric;
 * - timestamp/timestamptz/time/timetz(p) → (q ≥ p) or no precision; interval likewise with the same fields;
 * - varbit(n) → varbit(m ≥ n) or unbounded;
 * - cidr → inet; xml → text; int4 ↔ oid and oid/int4 → regclass, regtype, regproc, ...;
 * - timestamp ↔ timestamptz, which is free only while the session TimeZone is UTC (PostgreSQL 12+;
 *   the Aurora default): with any other TimeZone it rewrites.
 * Everything else rewrites: integer → bigint, char(n) → anything, json → jsonb, float4 → float8,
 * shrinking a limit, adding a limit to an unbounded column, and every change of an array's element type.
 */
export interface TypeChangeVerdict {
  readonly rewrites: boolean;
  /** Why, for the finding's message. */
  readonly reason: string;
}

const REG_TYPES = ['regclass', 'regtype', 'regproc', 'regprocedure', 'regoper', 'regoperator', 'regconfig', 'regdictionary', 'regnamespace', 'regrole', 'regcollation'];

/**
 * Binary-coercible conversions from pg_cast (castmethod 'b') that migrations meet, valid when the
 * target carries no length limit; the value names the targets.
 */
const BINARY_COERCIBLE: ReadonlyMap<string, ReadonlySet<string>> = new Map([
  ['varchar', new Set(['text', 'bpchar'])],
  ['text', new Set(['varchar', 'bpchar'])],
  ['xml', new Set(['text'])],
  ['cidr', new Set(['inet'])],
  ['int4', new Set(['oid', ...REG_TYPES])],
  ['oid', new Set(['int4', ...REG_TYPES])],
  ['timestamp', new Set(['timestamptz'])],
  ['timestamptz', new Set(['timestamp'])],
]);

/** Types whose first typmod is a limit that may grow for free (a planner support function). */
const GROWABLE_LIMIT = new Set(['varchar', 'varbit', 'timestamp', 'timestamptz', 'time', 'timetz']);

const same = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((v, i) => v === b[i]);

const rewrite = (reason: string): TypeChangeVerdict => ({ rewrites: true, reason });
const free = (reason: string): TypeChangeVerdict => ({ rewrites: false, reason });

/** Decides whether changing a column from `from` to `to` rewrites the table (see the module comment). */
export function classifyTypeChange(from: TypeSpec, to: TypeSpec): TypeChangeVerdict {
  const change = `${displayType(from)} → ${displayType(to)}`;
  if (!from.typmodsKnown || !to.typmodsKnown) return rewrite(`${change}: the type modifiers are not constants, so the change cannot be proven free`);
  if (from.arrayDims > 0 || to.arrayDims > 0) {
    if (from.arrayDims > 0 && to.arrayDims > 0 && from.name === to.name && same(from.typmods, to.typmods)) return free('the type does not change');
    return rewrite(`${change} converts every array element, which rewrites the table`);
  }
  if (from.name === to.name) return sameTypeChange(from, to, change);
  if (BINARY_COERCIBLE.get(from.name)?.has(to.name) && to.typmods.length === 0) {
    return free(`${change} is binary coercible`);
  }
  if ((from.name === 'timestamp' || from.name === 'timestamptz') && BINARY_COERCIBLE.get(from.name)?.has(to.name)) {
    return limitChange(from, to, change);
  }
  return rewrite(`${change} is not binary coercible, so PostgreSQL rewrites every row and rebuilds every index`);
}

function sameTypeChange(from: TypeSpec, to: TypeSpec, change: string): TypeChangeVerdict {
  if (same(from.typmods, to.typmods)) return free('the type does not change');
  if (GROWABLE_LIMIT.has(from.name)) return limitChange(from, to, change);
  if (from.name === 'numeric') {
    if (to.typmods.length === 0) return free(`${change} drops the precision limit`);
    if (from.typmods.length === 0) return rewrite(`${change} adds a precision limit, so every value is checked and rewritten`);
    const [fromPrecision = 0, fromScale = 0] = from.typmods;
    const [toPrecision = 0, toScale = 0] = to.typmods;
    if (toScale === fromScale && toPrecision >= fromPrecision) return free(`${change} only widens the precision`);
    return rewrite(`${change} changes the scale or narrows the precision, so every value is rewritten`);
  }
  if (from.name === 'interval') {
    if (to.typmods.length === 0) return free(`${change} drops the precision limit`);
    const sameFields = from.typmods.length === 2 && to.typmods.length === 2 && from.typmods[0] === to.typmods[0];
    if (sameFields && to.typmods[1]! >= from.typmods[1]!) return free(`${change} only widens the precision`);
    return rewrite(`${change} changes the interval's fields or narrows its precision, so every value is rewritten`);
  }
  return rewrite(`${change} changes a type modifier PostgreSQL cannot change in place, so every row is rewritten`);
}

/** Same-kind change of a growable limit (length or precision): free when it grows or goes away. */
function limitChange(from: TypeSpec, to: TypeSpec, change: string): TypeChangeVerdict {
  if (to.typmods.length === 0) return free(`${change} drops the limit`);
  if (from.typmods.length === 0) return rewrite(`${change} adds a limit to an unbounded column, so every value is checked and rewritten`);
  if (to.typmods[0]! >= from.typmods[0]!) return free(`${change} only raises the limit`);
  return rewrite(`${change} lowers the limit, so every value is checked and rewritten`);
}
