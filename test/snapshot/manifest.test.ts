import { describe, expect, it } from 'vitest';
import { MANIFEST_FORMAT_VERSION, ManifestError, manifestLineFormat, parseManifest, serializeManifest, type SnapshotManifest } from '../../lambda/snapshot/manifest';

const manifest: SnapshotManifest = {
  formatVersion: 1,
  snapshotId: '20250314T091500Z-3fa9c01b',
  database: 'app',
  createdAt: '2025-03-14T09:15:00.123Z',
  schemaVersion: '0023',
  appliedVersions: ['0022', '0023'],
  schemas: ['public'],
  tables: [
    {
      schema: 'public', table: 'faktura', kind: 'table', columns: [{ name: 'id', type: 'bigint' }], keyColumns: ['id'],
      rowCount: 2, bytes: 20, compressedBytes: 40, checksum: 'a'.repeat(64), key: 'app/20250314T091500Z-3fa9c01b/tables/public.faktura.jsonl.gz',
    },
  ],
  totalRows: 2,
  durationMs: 1234,
};

describe('manifest', () => {
  it('round-trips through its JSON text', () => {
    expect(parseManifest(serializeManifest(manifest), 'test')).toEqual(manifest);
  });

  it('names each bad field and the source', () => {
    const broken = JSON.parse(serializeManifest(manifest)) as Record<string, unknown> & { tables: Record<string, unknown>[] };
    broken.tables[0]!.rowCount = -1;
    broken.tables[0]!.checksum = 'nope';
    delete broken.createdAt;
    const error = (() => {
      try {
        parseManifest(JSON.stringify(broken), 's3://b/k');
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ManifestError);
    expect((error as Error).message).toMatch(/^Invalid snapshot manifest s3:\/\/b\/k: /);
    expect((error as Error).message).toContain('createdAt');
    expect((error as Error).message).toContain('tables.0.rowCount');
    expect((error as Error).message).toContain('tables.0.checksum');
  });

  it('refuses text that is not JSON and manifests of a newer format', () => {
    expect(() => parseManifest('{', 'x')).toThrow(/not JSON/);
    expect(() => parseManifest(JSON.stringify({ ...manifest, formatVersion: 4, lineFormat: 'record' }), 'x')).toThrow(
      /formatVersion 4 was written by a newer rds-migrate \(this one reads 3\)/,
    );
  });

  it('reads format 1 (no sequences, no scope) and format 2 with sequences and scope, both in JSON lines', () => {
    expect(manifestLineFormat(parseManifest(serializeManifest(manifest), 'test'))).toBe('json');
    const v2: SnapshotManifest = {
      ...manifest,
      formatVersion: 2,
      scope: 'affected',
      tables: [{ ...manifest.tables[0]!, order: 'physical', sequences: [{ schema: 'public', name: 'faktura_id_seq', lastValue: '-9223372036854775808', isCalled: false }] }],
    };
    expect(parseManifest(serializeManifest(v2), 'test')).toEqual(v2);
    expect(manifestLineFormat(v2)).toBe('json');
    const badSequence = { ...v2, tables: [{ ...v2.tables[0]!, sequences: [{ schema: 'public', name: 's', lastValue: '1.5', isCalled: true }] }] };
    expect(() => parseManifest(JSON.stringify(badSequence), 'x')).toThrow(/tables\.0\.sequences\.0\.lastValue/);
    expect(() => parseManifest(JSON.stringify({ ...v2, scope: 'some' }), 'x')).toThrow(/scope/);
    expect(() => parseManifest(JSON.stringify(editOrder(v2, 'random')), 'x')).toThrow(/tables\.0\.order/);
  });

  it('reads format 3, the current one, only with its lineFormat, and formats 1 and 2 only without one', () => {
    expect(MANIFEST_FORMAT_VERSION).toBe(3);
    const v3 = (lineFormat: 'record' | 'json'): SnapshotManifest => ({
      ...manifest,
      formatVersion: 3,
      lineFormat,
      scope: 'full',
      tables: [{ ...manifest.tables[0]!, key: `app/20250314T091500Z-3fa9c01b/tables/public.faktura.${lineFormat === 'json' ? 'jsonl' : 'records'}.gz`, sequences: [] }],
    });
    for (const lineFormat of ['record', 'json'] as const) {
      expect(parseManifest(serializeManifest(v3(lineFormat)), 'test')).toEqual(v3(lineFormat));
      expect(manifestLineFormat(parseManifest(serializeManifest(v3(lineFormat)), 'test'))).toBe(lineFormat);
    }
    const { lineFormat: _dropped, ...withoutLineFormat } = v3('record');
    expect(() => parseManifest(JSON.stringify(withoutLineFormat), 's3://b/k')).toThrow(
      /^Invalid snapshot manifest s3:\/\/b\/k: lineFormat is required from formatVersion 3 and absent before$/,
    );
    expect(() => parseManifest(JSON.stringify({ ...v3('record'), lineFormat: 'csv' }), 'x')).toThrow(/lineFormat/);
    expect(() => parseManifest(JSON.stringify({ ...v3('record'), lineFormat: null }), 'x')).toThrow(/lineFormat/);
    for (const formatVersion of [1, 2]) {
      for (const lineFormat of ['record', 'json']) {
        expect(() => parseManifest(JSON.stringify({ ...manifest, formatVersion, lineFormat }), 'x'), `format ${formatVersion}, ${lineFormat}`).toThrow(
          /lineFormat is required from formatVersion 3 and absent before/,
        );
      }
    }
  });
});

function editOrder(m: SnapshotManifest, order: string): unknown {
  return { ...m, tables: m.tables.map((t) => ({ ...t, order })) };
}
