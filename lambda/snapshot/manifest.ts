import { z } from 'zod';
import type { LineFormat } from './line-format';
import { SNAPSHOT_ID_PATTERN } from './snapshot-id';

/**
 * The manifest: `<prefix><database>/<snapshotId>/manifest.json`, written only after every table object
 * was uploaded completely. A snapshot without one is incomplete and is never listed or restored.
 *
 * Table objects hold gzip'd lines, one per row, in the manifest's `lineFormat` (`line-format.ts`):
 * `record` (format 3), each row as PostgreSQL's composite-value text (`ROW(...)::text`: every value in its
 * type's own text output, as COPY writes it), read back by the restore with the row type's input
 * (`line::s.t`); or `json` (formats 1 and 2), each row as `row_to_json` (numerics keep every digit,
 * timestamptz values carry their offset, bytea is `"\\x..."` hex, json/jsonb nested values), read back
 * with `json_populate_recordset` (PostgreSQL docs, 9.16 "JSON Functions and Operators"). Generated
 * columns are not exported (PostgreSQL recomputes them); identity columns are loaded with
 * `OVERRIDING SYSTEM VALUE`.
 */
export const MANIFEST_FORMAT_VERSION = 3;

/**
 * Format versions this code reads: 1 (JSON lines; no sequences, no scope), 2 (adds each table's
 * `sequences` and the snapshot's `scope`) and 3 (the current one: adds `lineFormat`, `record` by
 * default). A manifest is always written in the current format.
 */
export type ManifestFormatVersion = 1 | 2 | 3;

/** A sequence's state when its table was exported, for the restore to `setval` it back. */
export interface ManifestSequence {
  readonly schema: string;
  readonly name: string;
  /** `last_value` as text (a bigint). */
  readonly lastValue: string;
  /** `is_called`: false when `nextval` will return `lastValue` itself (PostgreSQL docs, 9.17 `setval`). */
  readonly isCalled: boolean;
}

/** What a snapshot covers: every table of `schemas` (`full`), or the tables pending migrations touch and their foreign-key neighbours (`affected`). */
export type ManifestScope = 'full' | 'affected';

export interface ManifestColumn {
  readonly name: string;
  /** `format_type(atttypid, atttypmod)`, e.g. `numeric(12,2)`, `timestamp with time zone`, `public.mood`. */
  readonly type: string;
}

export interface ManifestTable {
  readonly schema: string;
  readonly table: string;
  /** `partitioned` tables were read through the parent, so their object holds the rows of every partition. */
  readonly kind: 'table' | 'partitioned';
  /** Exported columns (generated columns excluded), in table order. */
  readonly columns: ManifestColumn[];
  /**
   * The table's key columns (primary key, or a unique index on NOT NULL columns), `null` when it has
   * neither. With `order` `key` (and in format 1) the rows are in this key's order (physical order when
   * `null`).
   */
  readonly keyColumns: string[] | null;
  /**
   * The order of the lines: `key` (keyset pages on `keyColumns`), or `physical` (ranges of heap blocks, in
   * ctid order; for a partitioned table, partition after partition). Absent: `key` (format 1).
   */
  readonly order?: 'key' | 'physical';
  readonly rowCount: number;
  /** Size of the uncompressed lines, in bytes (each line ends with `\n`). */
  readonly bytes: number;
  /** Size of the S3 object (gzip), in bytes. */
  readonly compressedBytes: number;
  /** Lowercase hex SHA-256 of the uncompressed lines. */
  readonly checksum: string;
  /** S3 key of the table object. */
  readonly key: string;
  /**
   * Sequences owned by the table's columns or drawn from by their defaults (`table-sequences.ts`),
   * with their values at export time. Absent in format 1.
   */
  readonly sequences?: ManifestSequence[];
}

export interface SnapshotManifest {
  readonly formatVersion: ManifestFormatVersion;
  /** How the table objects' rows are written (`line-format.ts`): required from format 3, `json` before. */
  readonly lineFormat?: LineFormat;
  readonly snapshotId: string;
  readonly database: string;
  /** When the snapshot transaction started, ISO 8601 UTC. */
  readonly createdAt: string;
  /** Highest applied migration version when the snapshot was taken, or `null` (none / unknown). */
  readonly schemaVersion: string | null;
  /** Every applied version, oldest first, when the caller passed them. */
  readonly appliedVersions?: string[];
  /** The schemas whose tables were exported (all of them, or some with scope `affected`). */
  readonly schemas: string[];
  /** `full` when absent (format 1). */
  readonly scope?: ManifestScope;
  readonly tables: ManifestTable[];
  /** Sum of the tables' row counts. */
  readonly totalRows: number;
  /** Wall time of the whole snapshot, in milliseconds. */
  readonly durationMs: number;
}

const count = z.number().int().nonnegative();

const manifestSchema = z.object({
  formatVersion: z.union([z.literal(1), z.literal(2), z.literal(3)]),
  lineFormat: z.enum(['record', 'json']).optional(),
  snapshotId: z.string().regex(SNAPSHOT_ID_PATTERN),
  database: z.string().min(1),
  createdAt: z.iso.datetime(),
  schemaVersion: z.string().nullable(),
  appliedVersions: z.array(z.string()).optional(),
  schemas: z.array(z.string().min(1)),
  scope: z.enum(['full', 'affected']).optional(),
  tables: z.array(
    z.object({
      schema: z.string().min(1),
      table: z.string().min(1),
      kind: z.enum(['table', 'partitioned']),
      columns: z.array(z.object({ name: z.string().min(1), type: z.string().min(1) })),
      keyColumns: z.array(z.string().min(1)).nullable(),
      order: z.enum(['key', 'physical']).optional(),
      rowCount: count,
      bytes: count,
      compressedBytes: count,
      checksum: z.string().regex(/^[0-9a-f]{64}$/),
      key: z.string().min(1),
      sequences: z
        .array(z.object({ schema: z.string().min(1), name: z.string().min(1), lastValue: z.string().regex(/^-?\d{1,19}$/), isCalled: z.boolean() }))
        .optional(),
    }),
  ),
  totalRows: count,
  durationMs: count,
}).refine((m) => (m.formatVersion >= 3) === (m.lineFormat !== undefined), {
  path: ['lineFormat'],
  message: 'is required from formatVersion 3 and absent before',
});

/** The manifest could not be read: not JSON, a newer format, or a field is missing or malformed. */
export class ManifestError extends Error {
  override readonly name = 'ManifestError';
  constructor(
    /** Where the manifest came from, e.g. `s3://bucket/key`. */
    readonly source: string,
    message: string,
  ) {
    super(`Invalid snapshot manifest ${source}: ${message}`);
  }
}

/**
 * Parses and validates a manifest's JSON text.
 * @param source where the text came from, for error messages (e.g. `s3://bucket/key`)
 * @throws {ManifestError} naming the source and each bad field (`tables.2.rowCount ...`)
 */
export function parseManifest(text: string, source: string): SnapshotManifest {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ManifestError(source, `not JSON (${(error as Error).message})`);
  }
  const version = (json as { formatVersion?: unknown } | null)?.formatVersion;
  if (typeof version === 'number' && version > MANIFEST_FORMAT_VERSION) {
    throw new ManifestError(source, `formatVersion ${version} was written by a newer rds-migrate (this one reads ${MANIFEST_FORMAT_VERSION})`);
  }
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success) {
    throw new ManifestError(source, parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'} ${i.message}`).join('; '));
  }
  return parsed.data as SnapshotManifest;
}

/** How the table objects of `manifest` hold their rows: its `lineFormat`, `json` before format 3. */
export function manifestLineFormat(manifest: Pick<SnapshotManifest, 'lineFormat'>): LineFormat {
  return manifest.lineFormat ?? 'json';
}

/** The manifest's JSON text (2-space indented: it is read by people too). */
export function serializeManifest(manifest: SnapshotManifest): string {
  return `${JSON.stringify(manifest, null, 2)}\n`;
}
