import type { Executor } from '../../driver/driver';
import { silentLog } from '../../observability/log';
import { resendable, type TransientOptions } from '../run/transient';
import { historyTables, isNotCreated, type HISTORY_ROW_TYPES, type HistoryOptions } from './tables';

/** What a schema history row records (see `HISTORY_ROW_TYPES`). */
export type HistoryRowType = (typeof HISTORY_ROW_TYPES)[number];

/** One schema history row, as read back. */
export interface HistoryRow {
  readonly installedRank: number;
  /** The version as recorded; '' for a repeatable migration. */
  readonly version: string;
  readonly name: string;
  readonly type: HistoryRowType;
  /** sha256 hex of the script the row is about (the up script; the down script for `undo`; the repeatable's script). */
  readonly checksum: string;
  /** ISO 8601 UTC, millisecond precision, e.g. `2024-05-01T12:00:00.000Z`. */
  readonly appliedAt: string;
  readonly executionMs: number;
  readonly appliedBy: string;
  readonly success: boolean;
  /** Up statements already run by an unfinished non-transactional migration (0 otherwise). */
  readonly statementsApplied: number;
  /** The checksum recorded before repair accepted a change, when it did. */
  readonly previousChecksum: string | null;
  readonly repairedBy: string | null;
}

interface RawRow extends Record<string, string | number | boolean | null> {
  installed_rank: number;
  version: string;
  name: string;
  type: string;
  checksum: string;
  applied_at: string;
  execution_ms: number;
  applied_by: string;
  success: boolean;
  statements_applied: number;
  previous_checksum: string | null;
  repaired_by: string | null;
}

/**
 * Rows per read. A row is a few hundred bytes, so a page stays far below the Data API's 1 MiB
 * response limit.
 */
const PAGE_ROWS = 1000;

/**
 * Reads the whole schema history in installed_rank order, paging by installed_rank ({@link PAGE_ROWS}
 * rows per call). Returns `[]` when the history table does not exist yet (nothing applied), without
 * creating it. A page that fails transiently is read again (`run/transient.ts`).
 * @throws {Error} when `historySchema` is not a valid identifier
 * @throws {DatabaseError} for any other database failure
 */
export async function readSchemaHistory(db: Executor, options: HistoryOptions & TransientOptions = {}): Promise<HistoryRow[]> {
  const tables = historyTables(options.historySchema);
  const rows: HistoryRow[] = [];
  let after = 0;
  for (;;) {
    let page: RawRow[];
    try {
      page = (
        await resendable('read the schema history', options.transientRetry, options.log ?? silentLog, () => db.execute<RawRow>(
          `SELECT installed_rank, version, name, type, checksum,
  to_char(applied_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS applied_at,
  execution_ms, applied_by, success, statements_applied, previous_checksum, repaired_by
FROM ${tables.history}
WHERE installed_rank > :after
ORDER BY installed_rank
LIMIT ${PAGE_ROWS}`,
          { after },
        ))
      ).rows;
    } catch (error) {
      if (rows.length === 0 && isNotCreated(error)) return [];
      throw error;
    }
    for (const r of page) rows.push(toHistoryRow(r));
    if (page.length < PAGE_ROWS) return rows;
    after = page[page.length - 1]!.installed_rank;
  }
}

function toHistoryRow(r: RawRow): HistoryRow {
  return {
    installedRank: r.installed_rank,
    version: r.version,
    name: r.name,
    type: r.type as HistoryRowType,
    checksum: r.checksum,
    appliedAt: r.applied_at,
    executionMs: r.execution_ms,
    appliedBy: r.applied_by,
    success: r.success,
    statementsApplied: r.statements_applied,
    previousChecksum: r.previous_checksum,
    repairedBy: r.repaired_by,
  };
}
