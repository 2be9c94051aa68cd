import type { Executor } from '../../driver/driver';
import type { ManifestTable } from '../manifest';
import { lineSource } from '../page-query';
import { qualifiedName } from '../quote-identifier';
import { digestSelect, type RowDigest } from './row-digest';

/** Heap blocks a verification statement reads: 8,192 blocks of 8 KiB, 64 MiB, well within the Data API's 45 s call wait. */
const BLOCKS_PER_STATEMENT = 8192;

/**
 * The digest (`row-digest.ts`) of the rows a table holds now, rendered exactly as the export rendered
 * them (`lineSource` of the snapshot's columns, under the export settings the caller applied in `tx`).
 * Reads the table in ranges of heap blocks (`ctid` ranges, a TID range scan on PostgreSQL 14+), each in
 * its own statement, and adds the partial digests up, so no statement outlives the Data API's call wait
 * however large the table; a partitioned table is read through its root, every partition at once.
 *
 * @param blocksPerStatement heap blocks per statement @default 8,192
 * @returns the table's digest
 */
export async function digestTable(tx: Executor, table: ManifestTable, blocksPerStatement = BLOCKS_PER_STATEMENT): Promise<RowDigest> {
  const { line, from } = lineSource({ ...table, hasGeneratedColumns: true });
  const name = qualifiedName(table.schema, table.table);
  const size = await tx.execute<{ blocks: string }>(
    `SELECT coalesce(max(pg_relation_size(leaf.relid) / current_setting('block_size')::int), 0)::text AS blocks
       FROM (SELECT :name::regclass AS relid UNION ALL SELECT p.relid FROM pg_partition_tree(:name::regclass) AS p WHERE p.isleaf) AS leaf`,
    { name },
  );
  const blocks = Number(size.rows[0]?.blocks ?? 0);
  const sql = digestSelect(
    line,
    `${from}
         WHERE t.ctid >= ('(' || :first || ',0)')::tid AND t.ctid < ('(' || :last || ',0)')::tid`,
  );
  let rows = 0;
  let sumA = 0n;
  let sumB = 0n;
  for (let first = 0; first === 0 || first < blocks; first += blocksPerStatement) {
    // The last range is open-ended: rows in blocks added since the size was read are counted too.
    const last = first + blocksPerStatement >= blocks ? 4294967295 : first + blocksPerStatement;
    const { rows: result } = await tx.execute<{ rows: string; sum_a: string; sum_b: string }>(sql, { first: String(first), last: String(last) });
    const part = result[0]!;
    rows += Number(part.rows);
    sumA += BigInt(part.sum_a);
    sumB += BigInt(part.sum_b);
    if (last === 4294967295) break;
  }
  return { rows, sumA: sumA.toString(), sumB: sumB.toString() };
}
