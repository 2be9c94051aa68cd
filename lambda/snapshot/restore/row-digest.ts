/**
 * An order-independent digest of a multiset of JSON lines, computed by PostgreSQL both over the lines a
 * restore sends and over the rows it inserted rendered as the export renders them (`load-table.ts`), to
 * prove that the tables hold exactly the snapshot's rows:
 *
 * for each line `L` (its UTF-8 bytes, without `\n`): `h = SHA-256(L)`; `a` and `b` are `h`'s bytes 0-7
 * and 8-15 read as signed big-endian 64-bit integers; the digest is `(rows, Σa, Σb)` with exact sums.
 *
 * Order-independent, so batches add up and a table without a key compares equal whatever order its
 * rows were loaded in; two 64-bit sums and the count make an accidental match of different rows
 * vanishingly unlikely (this guards against faults, not against tampering: the object's own SHA-256 is
 * checked against the manifest for that).
 */
export interface RowDigest {
  readonly rows: number;
  /** Σa, as a decimal integer string. */
  readonly sumA: string;
  /** Σb, as a decimal integer string. */
  readonly sumB: string;
}

export const EMPTY_DIGEST: RowDigest = { rows: 0, sumA: '0', sumB: '0' };

/** The digest of two disjoint sets of lines together. */
export function addDigests(x: RowDigest, y: RowDigest): RowDigest {
  return { rows: x.rows + y.rows, sumA: (BigInt(x.sumA) + BigInt(y.sumA)).toString(), sumB: (BigInt(x.sumB) + BigInt(y.sumB)).toString() };
}

/** Whether two digests are equal. */
export function sameDigest(x: RowDigest, y: RowDigest): boolean {
  return x.rows === y.rows && x.sumA === y.sumA && x.sumB === y.sumB;
}

/**
 * SQL select-list items aggregating the digest over a FROM clause whose column `h` is each line's
 * `sha256(line)`: `<prefix>_rows` (int8 as text), `<prefix>_a`, `<prefix>_b` (numeric as text, exact).
 */
export function digestAggregates(prefix: string): string {
  const part = (offset: number) => `('x' || encode(substring(h FROM ${offset} FOR 8), 'hex'))::bit(64)::int8::numeric`;
  return `count(*)::text AS ${prefix}_rows, coalesce(sum(${part(1)}), 0)::text AS ${prefix}_a, coalesce(sum(${part(9)}), 0)::text AS ${prefix}_b`;
}

/** The digest in a result row of {@link digestAggregates}. */
export function digestOf(row: Record<string, unknown>, prefix: string): RowDigest {
  return { rows: Number(row[`${prefix}_rows`]), sumA: String(row[`${prefix}_a`]), sumB: String(row[`${prefix}_b`]) };
}
