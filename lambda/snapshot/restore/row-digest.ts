import { hash } from 'node:crypto';

/**
 * An order-independent digest of a multiset of `json` lines (`line-format.ts`), computed by the restore over the
 * lines it sends ({@link LineDigest}) and by PostgreSQL over the rows it inserted rendered as the export renders
 * them (`load-table.ts`), to prove that the tables hold exactly the snapshot's rows (`record` lines are proved
 * line by line instead, `record-batch.ts`):
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

/**
 * Computes the digest of lines in JavaScript (the restore's side of the comparison): each line's SHA-256
 * split into 32-bit halves summed as plain numbers (exact up to 2^20 lines per batch of sums), folded into
 * exact BigInt sums by {@link LineDigest.digest}.
 */
export class LineDigest {
  private rows = 0;
  private a = 0n;
  private b = 0n;
  private aHigh = 0;
  private aLow = 0;
  private bHigh = 0;
  private bLow = 0;
  private pending = 0;

  /** Adds one line (its bytes without `\n`). */
  add(line: Uint8Array): void {
    this.addHash(hash('sha256', line, 'buffer') as unknown as Buffer);
  }

  /** Adds one line by its SHA-256. */
  addHash(sha256: Buffer): void {
    this.aHigh += sha256.readInt32BE(0);
    this.aLow += sha256.readUInt32BE(4);
    this.bHigh += sha256.readInt32BE(8);
    this.bLow += sha256.readUInt32BE(12);
    this.rows += 1;
    // 2^20 values of at most 2^32 each stay exact below 2^53.
    if (++this.pending === 1 << 20) this.fold();
  }

  digest(): RowDigest {
    this.fold();
    return { rows: this.rows, sumA: this.a.toString(), sumB: this.b.toString() };
  }

  private fold(): void {
    this.a += BigInt(this.aHigh) * 4294967296n + BigInt(this.aLow);
    this.b += BigInt(this.bHigh) * 4294967296n + BigInt(this.bLow);
    this.aHigh = this.aLow = this.bHigh = this.bLow = this.pending = 0;
  }
}

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
  // sum(int8) is exact: it accumulates in 128 bits and answers numeric (PostgreSQL docs, 9.21 "Aggregate Functions").
  const part = (offset: number) => `('x' || encode(substring(h FROM ${offset} FOR 8), 'hex'))::bit(64)::int8`;
  return `count(*)::text AS ${prefix}_rows, coalesce(sum(${part(1)}), 0)::text AS ${prefix}_a, coalesce(sum(${part(9)}), 0)::text AS ${prefix}_b`;
}

/** The digest in a result row of {@link digestAggregates}. */
export function digestOf(row: Record<string, unknown>, prefix: string): RowDigest {
  return { rows: Number(row[`${prefix}_rows`]), sumA: String(row[`${prefix}_a`]), sumB: String(row[`${prefix}_b`]) };
}
