import type { Stderr } from './status-line';
import { formatBytes, formatCount, formatDuration, formatRate } from './units';

/** What a progress bar shows at one moment. */
export interface ProgressState {
  /** Rows done so far. */
  readonly rows: number;
  /** Bytes done so far (uncompressed); absent where bytes are not counted (a data migration's batches): not shown. */
  readonly bytes?: number;
  /** Bytes there are in all, when known (a restore: the manifest's); shown as `done / total`. */
  readonly totalBytes?: number;
  /** What is being worked on, e.g. `public.faktury_faktura (3/12)`. */
  readonly label?: string;
}

export interface ProgressBarOptions {
  /** Shown before the bar, e.g. `snapshot`. */
  readonly title: string;
  /** Expected total rows (an estimate such as `pg_class.reltuples`); without it there is no bar and no ETA. */
  readonly totalRows?: number;
  /** Smallest interval between redraws, ms. @default 100 */
  readonly redrawMs?: number;
  /** The clock, ms (tests). @default Date.now */
  readonly now?: () => number;
  /** When the work started, ms of `now`, if before the bar (rate and ETA count from it). @default now() */
  readonly startedAt?: number;
}

const BAR_WIDTH = 24;

/**
 * The text of a progress line:
 * `snapshot [#########---------------]  37%  18,500 / 50,000 rows  4.1 MiB  6,100 rows/s  ETA 5.2 s  public.t`.
 * Without a total: rows, bytes and rate only. Rate is rows (and bytes) per second since the start;
 * ETA is the remaining rows at that rate. A total below the rows done (estimates lag) is raised to them.
 * @param elapsedMs time since the work started, ms
 */
export function progressText(title: string, state: ProgressState, elapsedMs: number, totalRows?: number): string {
  const seconds = Math.max(elapsedMs / 1000, 0.001);
  const rate = state.rows / seconds;
  const parts: string[] = [title];
  if (totalRows !== undefined && totalRows > 0) {
    const total = Math.max(totalRows, state.rows);
    const fraction = Math.min(state.rows / total, 1);
    const filled = Math.round(fraction * BAR_WIDTH);
    parts.push(`[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}]`, `${String(Math.floor(fraction * 100)).padStart(3)}%`);
    parts.push(`${formatCount(state.rows)} / ${formatCount(total)} rows`);
    parts.push(...bytesText(state), formatRate(rate, 'rows'));
    if (rate > 0 && state.rows < total) parts.push(`ETA ${formatDuration(((total - state.rows) / rate) * 1000)}`);
  } else {
    parts.push(`${formatCount(state.rows)} rows`, ...bytesText(state), formatRate(rate, 'rows'));
  }
  if (state.label) parts.push(state.label);
  return parts.join('  ');
}

/** `4.1 MiB`, or `4.1 MiB / 10 MiB` when the total is known (raised to the bytes done, as rows are); nothing without bytes. */
function bytesText(state: ProgressState): string[] {
  if (state.bytes === undefined) return [];
  if (state.totalBytes === undefined) return [formatBytes(state.bytes)];
  return [`${formatBytes(state.bytes)} / ${formatBytes(Math.max(state.totalBytes, state.bytes))}`];
}

/**
 * A progress bar on stderr's status line (see `status-line.ts`): drawn only when stderr is a
 * terminal, redrawn at most every `redrawMs`. Rows, bytes, rate and ETA; see {@link progressText}.
 */
export class ProgressBar {
  private readonly started: number;
  private lastDraw = 0;
  private state: ProgressState = { rows: 0, bytes: 0 };
  private readonly now: () => number;

  constructor(
    private readonly stderr: Stderr,
    private readonly options: ProgressBarOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.started = options.startedAt ?? this.now();
  }

  /** Records progress and redraws when `redrawMs` passed since the last draw. */
  update(state: ProgressState): void {
    this.state = state;
    const now = this.now();
    if (now - this.lastDraw < (this.options.redrawMs ?? 100)) return;
    this.lastDraw = now;
    this.stderr.setStatus(progressText(this.options.title, state, now - this.started, this.options.totalRows));
  }

  /** Removes the bar. */
  finish(): void {
    this.stderr.setStatus(undefined);
  }

  /** The last state recorded. */
  get current(): ProgressState {
    return this.state;
  }
}
