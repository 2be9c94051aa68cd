import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareVersions } from '../../lambda/migrations/compare-versions';

/** -1, 0 or 1; `+ 0` turns -0 into 0 (`toBe` tells them apart). */
const sign = (n: number) => Math.sign(n) + 0;

describe('compareVersions', () => {
  it('compares digit groups numerically', () => {
    expect(sign(compareVersions('2', '10'))).toBe(-1);
    expect(sign(compareVersions('10', '2'))).toBe(1);
    expect(sign(compareVersions('1.2', '1.10'))).toBe(-1);
    expect(sign(compareVersions('1.10', '1.9'))).toBe(1);
    expect(sign(compareVersions('0022', '0023'))).toBe(-1);
    expect(sign(compareVersions('1.2.1', '1.3'))).toBe(-1);
    expect(sign(compareVersions('1.2', '1.2.1'))).toBe(-1);
  });

  it('treats leading zeros and missing trailing groups as the same version', () => {
    expect(compareVersions('1', '01')).toBe(0);
    expect(compareVersions('0022', '22')).toBe(0);
    expect(compareVersions('1', '1.0')).toBe(0);
    expect(compareVersions('1.2', '01.02.0')).toBe(0);
    expect(compareVersions('0', '000')).toBe(0);
  });

  it('compares groups longer than a double can hold exactly', () => {
    expect(sign(compareVersions('20240101120000000001', '20240101120000000002'))).toBe(-1);
    expect(sign(compareVersions('99999999999999999999', '100000000000000000000'))).toBe(-1);
  });

  it('sorts a folder listing into version order', () => {
    const listed = ['10', '1.10', '2', '1', '1.2', '0003', '1.2.1'];
    expect([...listed].sort(compareVersions)).toEqual(['1', '1.2', '1.2.1', '1.10', '2', '0003', '10']);
  });

  it('rejects what is not a version', () => {
    for (const bad of ['', 'v1', '1.', '.1', '1..2', '1_2', '1a']) {
      expect(() => compareVersions(bad, '1')).toThrow(/Invalid migration version/);
    }
  });

  it('agrees with BigInt comparison group by group (property)', () => {
    const version = fc.array(fc.bigInt({ min: 0n, max: 10n ** 20n }), { minLength: 1, maxLength: 4 });
    const text = (groups: bigint[], pad: number) => groups.map((g) => g.toString().padStart(pad, '0')).join('.');
    fc.assert(
      fc.property(version, version, fc.nat(3), fc.nat(3), (a, b, padA, padB) => {
        const length = Math.max(a.length, b.length);
        let expected = 0;
        for (let i = 0; i < length && expected === 0; i++) {
          const [x, y] = [a[i] ?? 0n, b[i] ?? 0n];
          expected = x < y ? -1 : x > y ? 1 : 0;
        }
        expect(sign(compareVersions(text(a, padA), text(b, padB)))).toBe(expected);
        expect(sign(compareVersions(text(b, padB), text(a, padA)))).toBe(0 - expected);
      }),
    );
  });
});
