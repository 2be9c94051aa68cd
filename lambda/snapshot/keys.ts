import { DEFAULT_LINE_FORMAT, type LineFormat } from './line-format';
import { assertSnapshotId } from './snapshot-id';

/**
 * The S3 key layout of snapshots, shared by snapshot, list and restore:
 *
 * ```
 * <prefix><database>/<snapshotId>/manifest.json                      written last: the snapshot is complete
 * <prefix><database>/<snapshotId>/tables/<schema>.<table>.records.gz one gzip'd object of record lines per table
 * <prefix><database>/<snapshotId>/tables/<schema>.<table>.jsonl.gz   the same in JSON lines (`line-format.ts`)
 * ```
 *
 * Database, schema and table names are arbitrary PostgreSQL identifiers (they may hold `/`, `.`, `..`,
 * spaces or non-ASCII characters), so each is written with {@link encodeKeySegment}: letters, digits,
 * `_` and `-` stay as they are, every other character becomes `%XX` of its UTF-8 bytes. A key can
 * therefore never leave `<prefix><database>/<snapshotId>/`, and `.` only ever separates schema from table.
 */
export interface KeyScope {
  /** Key prefix: '' or a path ending in `/` (e.g. `rds-migrate/`). @default '' */
  readonly prefix?: string;
  /** Database name, as the driver reports it. */
  readonly database: string;
}

/** A table as named in keys and manifests. */
export interface TableName {
  readonly schema: string;
  readonly table: string;
}

const KEEP = /[A-Za-z0-9_-]/;
/** S3's "safe characters" for object keys (S3 User Guide, "Naming Amazon S3 objects"). */
const SAFE_PREFIX = /^[A-Za-z0-9!_.*'()\-/]*$/;
const MAX_PREFIX_LENGTH = 512;

/** Encodes one identifier as a key segment (see the module doc). @throws {Error} on an empty name */
export function encodeKeySegment(name: string): string {
  if (name.length === 0) throw new Error('An empty name cannot be part of a snapshot key');
  let out = '';
  for (const ch of name) {
    if (KEEP.test(ch)) out += ch;
    else for (const byte of Buffer.from(ch, 'utf8')) out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Reverses {@link encodeKeySegment}. @throws {Error} on a malformed segment */
export function decodeKeySegment(segment: string): string {
  if (!/^(?:[A-Za-z0-9_-]|%[0-9A-F]{2})+$/.test(segment)) throw new Error(`Not an encoded key segment: ${JSON.stringify(segment)}`);
  return decodeURIComponent(segment);
}

/**
 * Checks a key prefix: '' or S3 safe characters ending in `/`, at most 512 characters, without a leading
 * `/`, empty segments (`//`) or `.`/`..` segments.
 * @throws {Error} naming the `prefix` field and what is wrong with it
 */
export function assertKeyPrefix(prefix: string): void {
  const bad = (why: string): never => {
    throw new Error(`prefix: ${JSON.stringify(prefix)} ${why}`);
  };
  if (prefix === '') return;
  if (prefix.length > MAX_PREFIX_LENGTH) bad(`is longer than ${MAX_PREFIX_LENGTH} characters`);
  if (!SAFE_PREFIX.test(prefix)) bad("may only contain letters, digits and ! _ . * ' ( ) - /");
  if (!prefix.endsWith('/')) bad("must end with '/' (or be empty)");
  if (prefix.startsWith('/')) bad("must not start with '/'");
  for (const segment of prefix.slice(0, -1).split('/')) {
    if (segment === '') bad("must not contain an empty segment ('//')");
    if (segment === '.' || segment === '..') bad("must not contain '.' or '..' segments");
  }
}

/** `<prefix><database>/`: where every snapshot of one database lives. */
export function databasePrefix(scope: KeyScope): string {
  const prefix = scope.prefix ?? '';
  assertKeyPrefix(prefix);
  return `${prefix}${encodeKeySegment(scope.database)}/`;
}

/** `<prefix><database>/<snapshotId>/`. @throws {Error} when the snapshot id is malformed */
export function snapshotPrefix(scope: KeyScope, snapshotId: string): string {
  assertSnapshotId(snapshotId);
  return `${databasePrefix(scope)}${snapshotId}/`;
}

/** `<prefix><database>/<snapshotId>/manifest.json`. */
export function manifestKey(scope: KeyScope, snapshotId: string): string {
  return `${snapshotPrefix(scope, snapshotId)}manifest.json`;
}

/** `<prefix><database>/<snapshotId>/tables/<schema>.<table>.records.gz` (`.jsonl.gz` for `json` lines). */
export function tableObjectKey(scope: KeyScope, snapshotId: string, name: TableName, format: LineFormat = DEFAULT_LINE_FORMAT): string {
  return `${snapshotPrefix(scope, snapshotId)}tables/${encodeKeySegment(name.schema)}.${encodeKeySegment(name.table)}.${format === 'json' ? 'jsonl' : 'records'}.gz`;
}

/**
 * Reads a key under {@link databasePrefix}: the snapshot id it belongs to and whether it is the manifest,
 * a table object (with the decoded table name) or something else (`null`).
 */
export function parseSnapshotKey(
  scope: KeyScope,
  key: string,
): { snapshotId: string; kind: 'manifest' } | { snapshotId: string; kind: 'table'; name: TableName } | null {
  const base = databasePrefix(scope);
  if (!key.startsWith(base)) return null;
  const rest = key.slice(base.length).split('/');
  const snapshotId = rest[0]!;
  let valid = true;
  try {
    assertSnapshotId(snapshotId);
  } catch {
    valid = false;
  }
  if (!valid) return null;
  if (rest.length === 2 && rest[1] === 'manifest.json') return { snapshotId, kind: 'manifest' };
  const table = rest.length === 3 && rest[1] === 'tables' ? /^([^.]+)\.([^.]+)\.(?:jsonl|records)\.gz$/.exec(rest[2]!) : null;
  if (!table) return null;
  try {
    return { snapshotId, kind: 'table', name: { schema: decodeKeySegment(table[1]!), table: decodeKeySegment(table[2]!) } };
  } catch {
    return null;
  }
}
