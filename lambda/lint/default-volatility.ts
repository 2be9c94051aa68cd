import type { Node } from 'libpg-query';

/**
 * Whether a column default forces a table rewrite when the column is added.
 *
 * Since PostgreSQL 11 (docs, ALTER TABLE, Notes), `ADD COLUMN ... DEFAULT <expr>` with a non-volatile
 * default stores the value once in the catalog and rewrites nothing; a volatile default (one
 * evaluated per row, e.g. `random()`, `gen_random_uuid()`, `clock_timestamp()`, `nextval(...)`) is
 * computed for every existing row, which rewrites the table under an ACCESS EXCLUSIVE lock.
 * `now()` and `CURRENT_TIMESTAMP` are STABLE (one value per transaction) and therefore free.
 *
 * The linter has no catalog, so it classifies by name: known volatile functions, known
 * immutable/stable built-ins, and everything else (user functions are VOLATILE unless declared
 * otherwise, docs "CREATE FUNCTION") reported as unknown. Operators and casts are taken as
 * non-volatile, as the built-in ones are.
 */
export type DefaultVolatility =
  | { readonly kind: 'non-volatile' }
  | { readonly kind: 'volatile' | 'unknown'; readonly functionName: string; readonly location: number | undefined };

/** Built-in functions PostgreSQL marks VOLATILE (pg_proc.provolatile = 'v') that show up in defaults. */
const VOLATILE = new Set([
  'random', 'random_normal', 'gen_random_uuid', 'uuidv4', 'uuidv7', 'uuid_generate_v1', 'uuid_generate_v1mc',
  'uuid_generate_v4', 'gen_random_bytes', 'clock_timestamp', 'timeofday', 'nextval', 'setval', 'currval',
  'lastval', 'txid_current', 'pg_current_xact_id', 'setseed',
]);

/** Built-in IMMUTABLE or STABLE functions common in defaults. */
const NON_VOLATILE = new Set([
  'now', 'transaction_timestamp', 'statement_timestamp', 'current_setting', 'current_database', 'current_schema',
  'to_timestamp', 'to_date', 'to_char', 'to_number', 'date_trunc', 'date_part', 'extract', 'timezone', 'age',
  'make_date', 'make_time', 'make_timestamp', 'make_timestamptz', 'make_interval',
  'jsonb_build_object', 'jsonb_build_array', 'json_build_object', 'json_build_array', 'to_jsonb', 'to_json',
  'array_fill', 'lower', 'upper', 'concat', 'concat_ws', 'length', 'substr', 'substring', 'btrim', 'ltrim',
  'rtrim', 'replace', 'md5', 'encode', 'decode', 'abs', 'round', 'floor', 'ceil', 'ceiling', 'trunc', 'power',
  'sqrt', 'mod', 'greatest', 'least', 'coalesce', 'nullif', 'format', 'lpad', 'rpad', 'repeat', 'left', 'right',
  'int4range', 'int8range', 'numrange', 'tsrange', 'tstzrange', 'daterange', 'point', 'inet', 'cidr',
]);

interface FuncCallShape {
  funcname?: Node[];
  location?: number;
}

/** Every FuncCall in an expression tree, depth first. */
function* functionCalls(node: unknown): Generator<FuncCallShape> {
  if (Array.isArray(node)) {
    for (const item of node) yield* functionCalls(item);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  for (const [key, value] of Object.entries(node)) {
    if (key === 'FuncCall') yield value as FuncCallShape;
    yield* functionCalls(value);
  }
}

function functionName(call: FuncCallShape): { name: string; qualified: string } {
  const parts = (call.funcname ?? []).map((n) => (n as { String?: { sval?: string } }).String?.sval ?? '?');
  return { name: (parts.at(-1) ?? '?').toLowerCase(), qualified: parts.join('.') };
}

/** Classifies a default expression (the first volatile call wins over the first unknown one). */
export function defaultVolatility(expression: Node | undefined): DefaultVolatility {
  let unknown: DefaultVolatility | undefined;
  for (const call of functionCalls(expression)) {
    const { name, qualified } = functionName(call);
    const schema = qualified.includes('.') ? qualified.slice(0, qualified.lastIndexOf('.')) : undefined;
    const builtin = schema === undefined || schema === 'pg_catalog' || schema === 'public';
    if (builtin && VOLATILE.has(name)) return { kind: 'volatile', functionName: qualified, location: call.location };
    if (builtin && NON_VOLATILE.has(name)) continue;
    unknown ??= { kind: 'unknown', functionName: qualified, location: call.location };
  }
  return unknown ?? { kind: 'non-volatile' };
}
