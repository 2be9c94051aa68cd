/**
 * Reads the live fingerprint of the covered schemas as a document, object by object, for the CLI and
 * for tests (`rds-migrate` shows it; the verification compares inside the database instead, see
 * `checks/drift.ts`). Paged by bytes so that each Data API response stays under its 1 MiB limit.
 */
import type { Driver } from '../../driver/driver';
import { historyTables, type HistoryOptions } from '../../engine/history/tables';
import { schemasParam } from '../schema-scope';
import { catalogObjectsCtes, FINGERPRINT_FORMAT } from './catalog-objects-sql';
import { withCatalogTransaction } from './catalog-transaction';

/** A fingerprint document, as recorded in `schema_fingerprint.document`. */
export interface FingerprintDocument {
  readonly format: number;
  readonly schemas: string[];
  /** Definition of each object, keyed by object name (`index public.faktura_ocr_idx`), sorted by name. */
  readonly objects: Record<string, Record<string, unknown>>;
}

/**
 * Bytes of object names and definitions per call. The Data API's JSON encoding escapes quotes and
 * adds each field's framing, so a page of 400,000 bytes of text stays well under the 1 MiB response.
 */
export const PAGE_BYTES = 400_000;

interface PageRow extends Record<string, string | number> {
  object: string;
  definition: string;
  remaining: number;
}

export interface CollectFingerprintOptions extends HistoryOptions {
  /** Covered schemas. @default ['public'] */
  readonly schemas?: readonly string[];
  /** Bytes of text per call. @default PAGE_BYTES */
  readonly pageBytes?: number;
}

/**
 * Collects the live fingerprint. Cost: 3 calls plus one per {@link PAGE_BYTES} of definitions (one
 * for a schema of a thousand objects).
 * @throws {Error} when a schema name or `historySchema` is not acceptable
 * @throws {DatabaseError} when the catalogs cannot be read
 */
export async function collectFingerprint(driver: Driver, options: CollectFingerprintOptions = {}): Promise<FingerprintDocument> {
  const schemas = schemasParam(options.schemas);
  const { schema: historySchema } = historyTables(options.historySchema);
  const budget = options.pageBytes ?? PAGE_BYTES;
  const sql = `WITH ${catalogObjectsCtes("string_to_array(:schemas, ',')", ':history_schema')},
page AS (
  SELECT o.object, o.definition::text AS definition, count(*) OVER () AS remaining,
    sum(octet_length(o.object) + octet_length(o.definition::text)) OVER (ORDER BY o.object COLLATE "C") AS running
  FROM objects o WHERE o.object COLLATE "C" > :after
)
SELECT object, definition, remaining::integer AS remaining FROM page
WHERE running - octet_length(object) - octet_length(definition) < :budget
ORDER BY object COLLATE "C"`;
  const objects: Record<string, Record<string, unknown>> = {};
  await withCatalogTransaction(driver, async (tx) => {
    let after = '';
    for (;;) {
      const { rows } = await tx.execute<PageRow>(sql, { schemas, history_schema: historySchema, after, budget });
      for (const r of rows) objects[r.object] = JSON.parse(r.definition) as Record<string, unknown>;
      if (rows.length === 0 || rows.length >= rows[0]!.remaining) return;
      after = rows[rows.length - 1]!.object;
    }
  });
  return { format: FINGERPRINT_FORMAT, schemas: schemas.split(','), objects };
}
