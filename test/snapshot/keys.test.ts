import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  assertKeyPrefix, decodeKeySegment, encodeKeySegment, manifestKey, parseSnapshotKey, tableObjectKey,
} from '../../lambda/snapshot/keys';
import { assertSnapshotId, newSnapshotId, SNAPSHOT_ID_PATTERN, snapshotIdTime } from '../../lambda/snapshot/snapshot-id';

const id = '20250314T091500Z-3fa9c01b';

/** Identifiers heavy in what a key must not let through: separators, `%`, quotes, non-ASCII up to U+10FFFF. */
const identifier = fc.string({
  minLength: 1,
  maxLength: 63,
  unit: fc.oneof(
    fc.constantFrom('.', '/', '%', '"', ' ', '\\', '*', '?', '-', '_', 'a', 'Z', '0'),
    fc.integer({ min: 0x80, max: 0x10ffff }).filter((cp) => cp < 0xd800 || cp > 0xdfff).map((cp) => String.fromCodePoint(cp)),
  ),
});

describe('snapshot ids', () => {
  it('encode the UTC start time and sort by it', () => {
    const a = newSnapshotId(new Date('2025-03-14T09:15:00.999Z'));
    const b = newSnapshotId(new Date('2025-03-14T09:15:01.000Z'));
    const c = newSnapshotId(new Date('2026-01-01T00:00:00Z'));
    expect(a).toMatch(/^20250314T091500Z-[0-9a-f]{8}$/);
    expect([c, a, b].sort()).toEqual([a, b, c]);
    expect(snapshotIdTime(a).toISOString()).toBe('2025-03-14T09:15:00.000Z');
    expect(newSnapshotId()).not.toBe(newSnapshotId());
  });

  it('are validated when given from outside', () => {
    for (const bad of ['', '2025-03-14', '20250314T091500Z', '20250314T091500Z-3FA9C01B', '20250314T091500Z-3fa9c01b/..', '../x', 42]) {
      expect(() => assertSnapshotId(bad)).toThrow(/is not a snapshot id/);
    }
    expect(() => assertSnapshotId('nope', 'restore.snapshotId')).toThrow(/^restore\.snapshotId: "nope"/);
    expect(SNAPSHOT_ID_PATTERN.test(id)).toBe(true);
  });
});

describe('key layout', () => {
  it('places the manifest and the tables under <prefix><database>/<snapshotId>/', () => {
    expect(manifestKey({ prefix: 'rds-migrate/', database: 'app' }, id)).toBe(`rds-migrate/app/${id}/manifest.json`);
    expect(tableObjectKey({ database: 'app' }, id, { schema: 'public', table: 'order_items' })).toBe(`app/${id}/tables/public.order_items.records.gz`);
    expect(tableObjectKey({ database: 'app' }, id, { schema: 'public', table: 'order_items' }, 'record')).toBe(`app/${id}/tables/public.order_items.records.gz`);
    expect(tableObjectKey({ database: 'app' }, id, { schema: 'public', table: 'order_items' }, 'json')).toBe(`app/${id}/tables/public.order_items.jsonl.gz`);
    expect(tableObjectKey({ database: 'my db' }, id, { schema: 'Sales', table: 'a.b/../c' })).toBe(
      `my%20db/${id}/tables/Sales.a%2Eb%2F%2E%2E%2Fc.records.gz`,
    );
    expect(tableObjectKey({ database: 'my db' }, id, { schema: 'Sales', table: 'a.b/../c' }, 'json')).toBe(
      `my%20db/${id}/tables/Sales.a%2Eb%2F%2E%2E%2Fc.jsonl.gz`,
    );
  });

  it('encodes any identifier into one segment that cannot leave the snapshot folder, and decodes it back', () => {
    fc.assert(
      fc.property(identifier, identifier, fc.constantFrom('record' as const, 'json' as const), (schema, table, format) => {
        const key = tableObjectKey({ prefix: 'p/', database: 'db' }, id, { schema, table }, format);
        expect(key.startsWith(`p/db/${id}/tables/`)).toBe(true);
        const file = key.slice(`p/db/${id}/tables/`.length);
        expect(file).toMatch(format === 'record' ? /^[A-Za-z0-9_%-]+\.[A-Za-z0-9_%-]+\.records\.gz$/ : /^[A-Za-z0-9_%-]+\.[A-Za-z0-9_%-]+\.jsonl\.gz$/);
        expect(parseSnapshotKey({ prefix: 'p/', database: 'db' }, key)).toEqual({ snapshotId: id, kind: 'table', name: { schema, table } });
        expect(decodeKeySegment(encodeKeySegment(schema))).toBe(schema);
      }),
    );
  });

  it('reads keys back: manifests, tables, and nothing else', () => {
    const scope = { prefix: '', database: 'app' };
    expect(parseSnapshotKey(scope, `app/${id}/manifest.json`)).toEqual({ snapshotId: id, kind: 'manifest' });
    expect(parseSnapshotKey(scope, `app/not-an-id/manifest.json`)).toBeNull();
    expect(parseSnapshotKey(scope, `other/${id}/manifest.json`)).toBeNull();
    expect(parseSnapshotKey(scope, `app/${id}/notes.txt`)).toBeNull();
    expect(parseSnapshotKey(scope, `app/${id}/tables/public.t.records.gz`)).toEqual({ snapshotId: id, kind: 'table', name: { schema: 'public', table: 't' } });
    expect(parseSnapshotKey(scope, `app/${id}/tables/public.t.jsonl.gz`)).toEqual({ snapshotId: id, kind: 'table', name: { schema: 'public', table: 't' } });
    expect(parseSnapshotKey(scope, `app/${id}/tables/x.y.z.jsonl.gz`)).toBeNull();
    expect(parseSnapshotKey(scope, `app/${id}/tables/x.y.z.records.gz`)).toBeNull();
    expect(parseSnapshotKey(scope, `app/${id}/tables/x.y.csv.gz`)).toBeNull();
    expect(parseSnapshotKey(scope, `app/${id}/tables/x.y.records`)).toBeNull();
  });

  it('refuses prefixes that could escape or confuse the layout, naming the field', () => {
    expect(() => assertKeyPrefix('')).not.toThrow();
    expect(() => assertKeyPrefix('backups/rds-migrate/')).not.toThrow();
    expect(() => assertKeyPrefix('backups')).toThrow(/^prefix: "backups" must end with '\/'/);
    expect(() => assertKeyPrefix('/abs/')).toThrow(/must not start with '\/'/);
    expect(() => assertKeyPrefix('a//b/')).toThrow(/empty segment/);
    expect(() => assertKeyPrefix('a/../b/')).toThrow(/'\.' or '\.\.' segments/);
    expect(() => assertKeyPrefix('a b/')).toThrow(/may only contain/);
    expect(() => encodeKeySegment('')).toThrow(/empty name/);
  });
});
