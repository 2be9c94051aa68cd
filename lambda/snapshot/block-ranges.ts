import type { Executor } from '../driver/driver';
import type { TableName } from './keys';
import type { SnapshotTable } from './table-catalog';

/** A relation whose heap blocks are read: the table itself, or one leaf partition of a partitioned table. */
export interface BlockRelation extends TableName {
  /** Heap blocks (`pg_relation_size / block_size`) when the snapshot's view was open. */
  readonly blocks: number;
  /** `pg_table_size / blocks`: bytes per block, TOAST included (0 for an empty relation). */
  readonly bytesPerBlock: number;
}

/**
 * The relations a physical-order export reads for each table, with their sizes, in one catalog statement
 * run in the snapshot's view: a plain table reads itself (`ONLY`: inheritance children are tables of their
 * own); a partitioned table reads its leaf partitions (`pg_partition_tree`, PostgreSQL 12+), in oid order.
 * Every row visible in the view was written before it began, into a block that existed then, so the
 * sizes read here bound every visible row.
 * @returns per table (same order as `tables`), its relations
 */
export async function readBlockRelations(executor: Executor, tables: readonly SnapshotTable[]): Promise<BlockRelation[][]> {
  if (tables.length === 0) return [];
  const { rows } = await executor.execute<{ i: number; schema: string; table: string; blocks: string; bytes: string }>(
    `WITH wanted AS (
       SELECT (w.ordinality - 1)::int AS i, c.oid, c.relkind
         FROM json_array_elements(:tables::json) WITH ORDINALITY AS w(t, ordinality)
         JOIN pg_catalog.pg_namespace n ON n.nspname = w.t->>0
         JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid AND c.relname = w.t->>1
     ), leaves AS (
       SELECT i, oid AS relid FROM wanted WHERE relkind = 'r'
       UNION ALL
       SELECT w.i, p.relid FROM wanted w CROSS JOIN LATERAL pg_partition_tree(w.oid) AS p WHERE w.relkind = 'p' AND p.isleaf
     )
     SELECT l.i, n.nspname AS schema, c.relname AS table,
            (pg_relation_size(l.relid) / current_setting('block_size')::int)::text AS blocks, pg_table_size(l.relid)::text AS bytes
       FROM leaves l JOIN pg_catalog.pg_class c ON c.oid = l.relid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      ORDER BY l.i, l.relid`,
    { tables: JSON.stringify(tables.map((t) => [t.schema, t.table])) },
  );
  const result: BlockRelation[][] = tables.map(() => []);
  for (const row of rows) {
    const blocks = Number(row.blocks);
    result[row.i]!.push({ schema: row.schema, table: row.table, blocks, bytesPerBlock: blocks > 0 ? Number(row.bytes) / blocks : 0 });
  }
  return result;
}

/** One range of blocks to read. */
export interface BlockRange {
  readonly relation: TableName;
  readonly fromBlock: number;
  /** Exclusive. */
  readonly toBlock: number;
}

/**
 * Cuts a table's relations into ranges of blocks whose JSON lines should fill a page of `targetBytes`,
 * one range at a time, the next range's size from the bytes per block measured so far (`measure`),
 * starting from the relation's on-disk size (JSON lines of typical rows take about 1.5 times their heap
 * bytes). A range that turns out larger than a page is finished by continuation pages; a smaller one
 * only costs a call.
 */
export class BlockRangeCursor {
  private relation = 0;
  private block = 0;
  private measuredBytesPerBlock: number | undefined;

  constructor(
    private readonly relations: readonly BlockRelation[],
    private readonly targetBytes: number,
  ) {}

  /** The next range, or undefined when every block has a range. */
  next(): BlockRange | undefined {
    while (this.relation < this.relations.length && this.block >= this.relations[this.relation]!.blocks) {
      this.relation += 1;
      this.block = 0;
    }
    const relation = this.relations[this.relation];
    if (!relation) return undefined;
    const perBlock = this.measuredBytesPerBlock ?? Math.max(1, relation.bytesPerBlock * 1.5);
    const size = Math.max(1, Math.min(1 << 20, Math.floor(this.targetBytes / perBlock)));
    const range = { relation: { schema: relation.schema, table: relation.table }, fromBlock: this.block, toBlock: Math.min(relation.blocks, this.block + size) };
    this.block = range.toBlock;
    return range;
  }

  /** Records the JSON bytes a range of `blocks` blocks produced, for the size of the next ranges. */
  measure(blocks: number, bytes: number): void {
    if (blocks <= 0) return;
    const perBlock = Math.max(1, bytes / blocks);
    this.measuredBytesPerBlock = this.measuredBytesPerBlock === undefined ? perBlock : (this.measuredBytesPerBlock + perBlock) / 2;
  }
}
