import { status } from '../engine/commands/status';
import type { ActionContext } from './action-context';

export interface StatusActionReport {
  readonly action: 'status';
  readonly database: string;
  /** Highest applied version, or null. */
  readonly current: string | null;
  /** Every version with its state: applied, pending, failed, missing (from the bundle), changed. */
  readonly migrations: Array<{
    readonly version: string;
    readonly name: string;
    readonly state: string;
    readonly appliedAt?: string;
    readonly file?: string;
  }>;
  readonly pending: string[];
  /**
   * Repeatable migrations (Flyway `R__`), by description: `pending` (never applied), `outdated` (changed
   * since applied: migrate applies it again), `applied`, or `missing` (applied, no longer in the bundle).
   */
  readonly repeatables: Array<{
    readonly name: string;
    readonly state: 'pending' | 'outdated' | 'applied' | 'missing';
    readonly appliedAt?: string;
    readonly file?: string;
  }>;
}

/** Reads the schema history and compares it with the bundle (versions, then repeatable migrations); changes nothing. */
export async function runStatus(ctx: ActionContext): Promise<StatusActionReport> {
  const s = await status(ctx.driver, ctx.bundle);
  return {
    action: 'status',
    database: ctx.driver.database,
    current: s.current,
    migrations: s.migrations.map((m) => ({
      version: m.version,
      name: m.name,
      state: m.state,
      ...(m.row?.appliedAt ? { appliedAt: String(m.row.appliedAt) } : {}),
      ...(m.file ? { file: m.file } : {}),
    })),
    pending: s.pending.map((m) => m.version),
    repeatables: s.repeatables.map((r) => ({
      name: r.name,
      state: r.state,
      ...(r.row?.appliedAt ? { appliedAt: String(r.row.appliedAt) } : {}),
      ...(r.file ? { file: r.file } : {}),
    })),
  };
}
