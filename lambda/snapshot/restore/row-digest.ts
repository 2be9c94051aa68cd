import { createHash, type Hash } from 'node:crypto';

/**
 * An order-independent digest of a multiset of JSON lines, computed the same way from a table object
 * (here) and from the rows of a table (by PostgreSQL, see `verify-restored.ts`), to prove after a
 * restore that the tables hold exactly the snapshot's rows:
 *
 * for each line `L` (its UTF-8 bytes, without `\n`): `h = SHA-256(L)`; `a` and `b` are `h`'s bytes 0-7
 * and 8-15 read as signed big-endian 64-bit integers; the digest is `(rows, Σa, Σb)` with exact sums.
 *
 * Order-independent, so a table without a key (exported in physical order) compares equal whatever
 * order its rows were loaded in; two 64-bit sums and the count make an accidental match of different
 * rows vanishingly unlikely (this guards against faults, not against tampering: the object's own SHA-256
 * is checked against the manifest for that).
 */
export interface RowDigest {
  readonly rows: number;
  /** Σa, as a decimal integer string. */
  readonly sumA: string;
  /** Σb, as a decimal integer string. */
  readonly sumB: string;
}

/** Accumulates a {@link RowDigest} line by line (a line may come in several fragments). */
export class RowDigestBuilder {
  private rows = 0;
  private a = 0n;
  private b = 0n;
  private line: Hash | undefined;

  /** Adds a fragment of the current line; `end` closes the line. */
  add(fragment: Uint8Array, end: boolean): void {
    if (end && !this.line) {
      this.addDigest(createHash('sha256').update(fragment).digest());
      return;
    }
    this.line ??= createHash('sha256');
    this.line.update(fragment);
    if (end) {
      this.addDigest(this.line.digest());
      this.line = undefined;
    }
  }

  /** The digest of the lines added so far. @throws {Error} in the middle of a line */
  digest(): RowDigest {
    if (this.line) throw new Error('RowDigestBuilder: a line is not finished');
    return { rows: this.rows, sumA: this.a.toString(), sumB: this.b.toString() };
  }

  private addDigest(hash: Buffer): void {
    this.rows += 1;
    this.a += hash.readBigInt64BE(0);
    this.b += hash.readBigInt64BE(8);
  }
}

/** Whether two digests are equal. */
export function sameDigest(x: RowDigest, y: RowDigest): boolean {
  return x.rows === y.rows && x.sumA === y.sumA && x.sumB === y.sumB;
}

/**
 * SQL aggregating the digest of the `bytea` expression `line` over the rows of a FROM clause: columns
 * `rows` (int8 text), `sum_a`, `sum_b` (numeric text, exact).
 */
export function digestSelect(line: string, from: string): string {
  const part = (offset: number) => `('x' || encode(substring(h FROM ${offset} FOR 8), 'hex'))::bit(64)::int8::numeric`;
  return `SELECT count(*)::text AS rows, coalesce(sum(${part(1)}), 0)::text AS sum_a, coalesce(sum(${part(9)}), 0)::text AS sum_b
  FROM (SELECT sha256(${line}) AS h
          ${from}) AS digested`;
}
