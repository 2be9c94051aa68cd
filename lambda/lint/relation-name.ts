import type { Node, RangeVar } from 'libpg-query';

/**
 * A table or index as a migration names it. Names are as the parser returns them: unquoted names
 * folded to lower case, quoted names kept as written (PostgreSQL docs 4.1.1).
 */
export interface RelationRef {
  readonly schema?: string;
  readonly name: string;
}

/** `name` or `schema.name`, for messages and size-map keys. */
export function relationKey(relation: RelationRef): string {
  return relation.schema ? `${relation.schema}.${relation.name}` : relation.name;
}

/** The relation a RangeVar names. */
export function relationOf(rangeVar: RangeVar | undefined): RelationRef | undefined {
  if (!rangeVar?.relname) return undefined;
  return rangeVar.schemaname ? { schema: rangeVar.schemaname, name: rangeVar.relname } : { name: rangeVar.relname };
}

/** The relation a qualified name list (`DROP INDEX s.i`: `[{String: s}, {String: i}]`) names. */
export function relationOfNameList(items: readonly Node[] | undefined): RelationRef | undefined {
  const parts = (items ?? []).map((item) => (item as { String?: { sval?: string } }).String?.sval).filter((s) => s !== undefined);
  if (parts.length === 0) return undefined;
  const name = parts.at(-1)!;
  const schema = parts.length >= 2 ? parts.at(-2) : undefined;
  return schema ? { schema, name } : { name };
}

/** Double-quotes an identifier when PostgreSQL would not read it back unchanged unquoted. */
export function quoteIdentifier(name: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(name) ? name : `"${name.replace(/"/g, '""')}"`;
}

/** The relation as SQL text (`s."T"`), e.g. for `to_regclass`. */
export function relationSql(relation: RelationRef): string {
  const name = quoteIdentifier(relation.name);
  return relation.schema ? `${quoteIdentifier(relation.schema)}.${name}` : name;
}

/**
 * A set of relations where a name without a schema matches the same name in any schema (the linter
 * does not know the search_path): `orders` created in the migration matches `public.orders` later.
 */
export class RelationSet {
  private readonly byName = new Map<string, Set<string | undefined>>();

  constructor(relations: Iterable<RelationRef> = []) {
    for (const relation of relations) this.add(relation);
  }

  add(relation: RelationRef): void {
    const schemas = this.byName.get(relation.name) ?? new Set<string | undefined>();
    schemas.add(relation.schema);
    this.byName.set(relation.name, schemas);
  }

  has(relation: RelationRef): boolean {
    const schemas = this.byName.get(relation.name);
    if (!schemas) return false;
    return relation.schema === undefined || schemas.has(undefined) || schemas.has(relation.schema);
  }
}

/**
 * Reads `name` or `schema.name` (as `createdTables` and `tableSizes` keys are written) into a
 * RelationRef. A key is split at its first dot outside double quotes; quotes are removed.
 */
export function parseRelationKey(key: string): RelationRef {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < key.length; i++) {
    const ch = key[i]!;
    if (ch === '"') {
      if (quoted && key[i + 1] === '"') {
        current += '"';
        i++;
      } else quoted = !quoted;
    } else if (ch === '.' && !quoted && parts.length === 0) {
      parts.push(current);
      current = '';
    } else current += ch;
  }
  parts.push(current);
  return parts.length === 2 ? { schema: parts[0]!, name: parts[1]! } : { name: parts[0]! };
}

/**
 * Values per relation, looked up with the same leniency as {@link RelationSet}: an exact
 * `schema.name` entry wins, then an unqualified `name` entry, then (for an unqualified lookup) the
 * first entry with that name in any schema.
 */
export class RelationMap<T> {
  private readonly byName = new Map<string, Array<{ schema?: string; value: T }>>();

  constructor(entries: Iterable<[RelationRef, T]> = []) {
    for (const [relation, value] of entries) this.set(relation, value);
  }

  set(relation: RelationRef, value: T): void {
    const list = this.byName.get(relation.name) ?? [];
    const existing = list.find((entry) => entry.schema === relation.schema);
    if (existing) existing.value = value;
    else list.push({ schema: relation.schema, value });
    this.byName.set(relation.name, list);
  }

  get(relation: RelationRef): T | undefined {
    const list = this.byName.get(relation.name);
    if (!list) return undefined;
    if (relation.schema !== undefined) {
      return (list.find((entry) => entry.schema === relation.schema) ?? list.find((entry) => entry.schema === undefined))?.value;
    }
    return (list.find((entry) => entry.schema === undefined) ?? list[0])?.value;
  }
}
