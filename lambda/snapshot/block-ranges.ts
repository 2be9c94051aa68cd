import type { Executor } from '../driver/driver';
import type { TableName } from './keys';
import type { SnapshotTable } from './table-catalog';

/** A relation whose heap blocks are read: the table itself, or one leaf partition of a partitioned table. */
export interface BlockRelation extends TableName {
  /** Heap blocks (`pg_relation_size / block_size`) when the snapshot's view was open. */
  readonly blocks: number;
  /** `pg_table_size / blocks`: bytes per block, TOAST included (0 for an empty relation). */
  readonly bytesPerBlock: number;
  /**
   * `pg_table_size / pg_class.reltuples`: bytes per live row, TOAST included, as of the last VACUUM or
   * ANALYZE; undefined when PostgreSQL has no row count yet (reltuples -1 or 0: never vacuumed or analysed).
   */
  readonly bytesPerRow?: number;
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
  const { rows } = await executor.execute<{ i: number; schema: string; table: string; blocks: string; bytes: string; tuples: number }>(
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
            (pg_relation_size(l.relid) / current_setting('block_size')::int)::text AS blocks, pg_table_size(l.relid)::text AS bytes,
            c.reltuples::float8 AS tuples
       FROM leaves l JOIN pg_catalog.pg_class c ON c.oid = l.relid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      ORDER BY l.i, l.relid`,
    { tables: JSON.stringify(tables.map((t) => [t.schema, t.table])) },
  );
  const result: BlockRelation[][] = tables.map(() => []);
  for (const row of rows) {
    const blocks = Number(row.blocks);
    const tuples = Number(row.tuples);
    result[row.i]!.push({
      schema: row.schema, table: row.table, blocks, bytesPerBlock: blocks > 0 ? Number(row.bytes) / blocks : 0,
      ...(tuples > 0 ? { bytesPerRow: Number(row.bytes) / tuples } : {}),
    });
  }
  return result;
}

/** One range of blocks to read. */
export interface BlockRange {
  readonly relation: TableName;
  readonly fromBlock: number;
  /** Exclusive. */
  readonly toBlock: number;
  /**
   * JSON bytes the range would hold were every block as full as the relation's average on disk (its
   * blocks times `bytesPerBlock` times 1.5): about the most it holds. Undefined: unknown.
   */
  readonly fullBytes?: number;
}

/** Lines of typical rows take about this many times their bytes on disk (JSON lines; record lines about 1: measured from the first range on). */
const JSON_PER_DISK_BYTE = 1.5;

/**
 * A range holds at most this many pages' worth of blocks at the relation's average on-disk density
 * (`bytesPerBlock`, dead tuples and free space included, so about the density of a full block): ranges
 * grow past one page over sparse blocks (measured), but a range sized from sparse blocks (the dead tuples
 * a full-table UPDATE leaves before the live ones, issue #4) that runs into dense ones holds at most this
 * many pages, read by one worker, each page scanning the rest of the range only for its row positions.
 */
export const MAX_RANGE_PAGES = 8;

/** A range holds at most this many times the blocks of the range handed out before it (of the same relation). */
export const RANGE_GROWTH = 4;

/**
 * Cuts a table's relations into ranges of blocks whose JSON lines should fill a page of `targetBytes`,
 * one range at a time, the next range's size from the bytes per block measured so far (`measure`),
 * starting from the relation's on-disk size (JSON lines of typical rows take about 1.5 times their heap
 * bytes), never more than {@link RANGE_GROWTH} times the range before it nor {@link MAX_RANGE_PAGES}
 * pages at that on-disk density. A range that turns
 * out larger than a page is finished by continuation pages of at most {@link BlockRangeCursor.pageRows}
 * rows each (`export-range.ts`); a smaller one only costs a call.
 */
export class BlockRangeCursor {
  private relation = 0;
  private block = 0;
  private measuredBytesPerBlock: number | undefined;
  private measuredBytesPerRow: number | undefined;
  /** Blocks of the last range handed out, 0 at the start of a relation. */
  private lastSize = 0;

  constructor(
    private readonly relations: readonly BlockRelation[],
    private readonly targetBytes: number,
  ) {}

  /** The next range, or undefined when every block has a range. */
  next(): BlockRange | undefined {
    while (this.relation < this.relations.length && this.block >= this.relations[this.relation]!.blocks) {
      this.relation += 1;
      this.block = 0;
      this.lastSize = 0;
    }
    const relation = this.relations[this.relation];
    if (!relation) return undefined;
    const onDisk = Math.max(1, relation.bytesPerBlock * JSON_PER_DISK_BYTE);
    const perBlock = this.measuredBytesPerBlock ?? onDisk;
    const most = Math.max(1, Math.floor((MAX_RANGE_PAGES * this.targetBytes) / onDisk));
    const grown = this.lastSize > 0 ? RANGE_GROWTH * this.lastSize : most;
    const size = Math.max(1, Math.min(most, grown, Math.floor(this.targetBytes / perBlock)));
    this.lastSize = size;
    const range = { relation: { schema: relation.schema, table: relation.table }, fromBlock: this.block, toBlock: Math.min(relation.blocks, this.block + size), fullBytes: size * onDisk };
    this.block = range.toBlock;
    return range;
  }

  /**
   * Rows the first page of the next range should ask for (its `LIMIT`): those of `pageBytes` JSON bytes
   * at the bytes per row measured so far, else at the catalog's estimate (`bytesPerRow`, times 1.5);
   * undefined when neither is known (then the caller starts small and grows).
   */
  pageRows(pageBytes: number): number | undefined {
    const relation = this.relations[Math.min(this.relation, this.relations.length - 1)];
    const perRow = this.measuredBytesPerRow ?? (relation?.bytesPerRow !== undefined ? relation.bytesPerRow * JSON_PER_DISK_BYTE : undefined);
    return perRow === undefined ? undefined : Math.max(1, Math.floor(pageBytes / Math.max(1, perRow)));
  }

  /** Records the JSON bytes and rows a range of `blocks` blocks produced, for the size of the next ranges and pages. */
  measure(blocks: number, bytes: number, rows = 0): void {
    if (rows > 0) {
      const perRow = bytes / rows;
      this.measuredBytesPerRow = this.measuredBytesPerRow === undefined ? perRow : (this.measuredBytesPerRow + perRow) / 2;
    }
    if (blocks <= 0) return;
    const perBlock = Math.max(1, bytes / blocks);
    this.measuredBytesPerBlock = this.measuredBytesPerBlock === undefined ? perBlock : (this.measuredBytesPerBlock + perBlock) / 2;
  }
}
