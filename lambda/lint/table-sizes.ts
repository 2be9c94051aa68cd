import type { TableSizeAssumption } from './lint-finding';
import { RelationMap, parseRelationKey, relationKey, type RelationRef } from './relation-name';

/**
 * The table sizes the size-sensitive rules consult, from the caller's `tableSizes` map and/or the
 * database (`pg_class.reltuples`, see `database-context.ts`), recording every size it hands out so
 * the report can state what it assumed.
 */
export class TableSizes {
  private readonly fromOption: RelationMap<number>;
  private readonly fromDatabase = new RelationMap<number | null>();
  private readonly used = new Map<string, TableSizeAssumption>();

  /**
   * @param option caller-given sizes in rows, keyed `name` or `schema.name`; they win over the database
   * @throws {Error} naming the key when a size is negative or not a finite number
   */
  constructor(option?: ReadonlyMap<string, number>) {
    this.fromOption = new RelationMap<number>();
    for (const [key, rows] of option ?? []) {
      if (typeof rows !== 'number' || !Number.isFinite(rows) || rows < 0) {
        throw new Error(`tableSizes: the size of "${key}" must be a non-negative number of rows, got ${String(rows)}`);
      }
      this.fromOption.set(parseRelationKey(key), rows);
    }
  }

  /** Records what the database said about a relation (null: not found or never analyzed). */
  setFromDatabase(relation: RelationRef, rows: number | null): void {
    this.fromDatabase.set(relation, rows);
  }

  /** True when the database was already asked about this relation. */
  askedDatabase(relation: RelationRef): boolean {
    return this.fromDatabase.get(relation) !== undefined;
  }

  /** The relation's estimated rows, or undefined when no source knows it; records the assumption. */
  rows(relation: RelationRef): number | undefined {
    const key = relationKey(relation);
    const option = this.fromOption.get(relation);
    if (option !== undefined) {
      if (!this.used.has(key)) this.used.set(key, { table: key, rows: option, source: 'tableSizes' });
      return option;
    }
    const database = this.fromDatabase.get(relation);
    if (database === undefined) return undefined;
    if (!this.used.has(key)) this.used.set(key, { table: key, rows: database, source: 'pg_class.reltuples' });
    return database ?? undefined;
  }

  /** Every size handed out (or found unknown in the database), in order of first use. */
  assumptions(): TableSizeAssumption[] {
    return [...this.used.values()];
  }
}
