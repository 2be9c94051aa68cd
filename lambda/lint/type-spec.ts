import type { Node, TypeName } from 'libpg-query';

/**
 * A column type reduced to what the rules compare: the internal type name, its modifiers and array
 * dimensions. `character varying(20)` → `{ name: 'varchar', typmods: [20], arrayDims: 0 }`.
 */
export interface TypeSpec {
  /** Internal name without `pg_catalog` (`int4`, `varchar`, `timestamptz`, `serial`), or `schema.name` for other schemas. */
  readonly name: string;
  /** Constant type modifiers (length, precision, scale); empty when none were given. */
  readonly typmods: readonly number[];
  /** False when a modifier is not a plain integer constant (then it cannot be compared). */
  readonly typmodsKnown: boolean;
  /** 0 for a scalar, 1 for `text[]`, ... */
  readonly arrayDims: number;
}

/**
 * Names of built-in types the parser does not rewrite itself. SQL-standard spellings (`integer`,
 * `character varying`, `double precision`, `char`) already arrive as `pg_catalog.int4`, ... from the
 * grammar; `"char"` in quotes is the internal one-byte type `char`, not `bpchar`.
 */
const ALIASES: Readonly<Record<string, string>> = {
  serial4: 'serial',
  serial2: 'smallserial',
  serial8: 'bigserial',
};

/** The TypeSpec of a parser TypeName node. */
export function typeSpecOf(typeName: TypeName | undefined): TypeSpec | undefined {
  const parts = (typeName?.names ?? []).map((n) => (n as { String?: { sval?: string } }).String?.sval ?? '');
  if (parts.length === 0 || parts.some((p) => p === '')) return undefined;
  const unqualified = parts.length === 2 && parts[0] === 'pg_catalog' ? [parts[1]!] : parts;
  const name = unqualified.length === 1 ? (ALIASES[unqualified[0]!] ?? unqualified[0]!) : unqualified.join('.');
  const typmods: number[] = [];
  let typmodsKnown = true;
  for (const mod of typeName?.typmods ?? []) {
    const value = integerConstant(mod);
    if (value === undefined) typmodsKnown = false;
    else typmods.push(value);
  }
  return { name, typmods, typmodsKnown, arrayDims: typeName?.arrayBounds?.length ?? 0 };
}

/** The integer value of an A_Const node, or undefined. */
export function integerConstant(node: Node | undefined): number | undefined {
  const constant = (node as { A_Const?: { ival?: { ival?: number } } } | undefined)?.A_Const;
  if (!constant?.ival) return undefined;
  return constant.ival.ival ?? 0;
}

const DISPLAY_NAMES: Readonly<Record<string, string>> = {
  int2: 'smallint',
  int4: 'integer',
  int8: 'bigint',
  float4: 'real',
  float8: 'double precision',
  bpchar: 'char',
  bool: 'boolean',
  timestamp: 'timestamp',
  timestamptz: 'timestamptz',
};

/** The type as SQL, for messages: `varchar(20)`, `integer[]`. */
export function displayType(spec: TypeSpec): string {
  const base = DISPLAY_NAMES[spec.name] ?? spec.name;
  const mods = spec.typmods.length > 0 ? `(${spec.typmods.join(',')})` : '';
  return `${base}${mods}${'[]'.repeat(spec.arrayDims)}`;
}

/** True for the serial pseudo-types (an int column with a sequence default). */
export function isSerial(spec: TypeSpec): boolean {
  return spec.name === 'serial' || spec.name === 'smallserial' || spec.name === 'bigserial';
}
