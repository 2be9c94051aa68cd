/**
 * Whether a restore in a Lambda invocation can still finish in the time it has, from the rate its loading
 * has had so far. A restore that cannot finish is stopped and rolled back as soon as that is clear, rather
 * than holding its tables (locked by the `TRUNCATE`) until the invocation's time is spent and rolling back
 * then: a restore must finish in one invocation.
 */

/** A restore that will not finish in its time, as {@link RestorePace.observe} projects it. */
export interface PaceShortfall {
  /** The rate measured, bytes of lines per second. */
  readonly bytesPerSecond: number;
  /** How long the rate was measured over, ms. */
  readonly measuredMs: number;
  /** Bytes of lines still to load. */
  readonly bytesLeft: number;
  /** How long they would take at that rate, ms. */
  readonly needMs: number;
  /** The time the restore has left (the budget's spendable time), ms. */
  readonly leftMs: number;
}

/**
 * The rate is measured over at least this long before anything is projected from it, ms, and at least
 * {@link MIN_SAMPLE_SHARE} of the time the restore had when the measure began.
 */
export const MIN_SAMPLE_MS = 5_000;
export const MIN_SAMPLE_SHARE = 0.1;
/**
 * A restore whose stop changes nothing (one transaction, rolled back) stops only when the rest would take
 * more than this many times the time it has left. Tables load at different rates (their width, their
 * indexes), so a projection from the tables loaded so far can be wrong either way; one that is off by
 * less than this factor never stops a restore that would have finished.
 */
export const STOP_FACTOR = 2;
/**
 * A `per-table` restore commits the `TRUNCATE` of its tables (the first change it cannot take back) only
 * while the rest is projected to fit in the time left: more than this many times the time left stops it
 * before that commit.
 */
export const COMMIT_FACTOR = 1;

/**
 * Measures a restore's loading rate, batch after batch, in the time of its budget (the rate is bytes of
 * lines loaded per ms of the budget's time spent, so it needs no clock of its own), and projects whether
 * the bytes left can be loaded in the time left. The measure begins at the first batch observed and
 * counts the bytes of every batch after it, those of a transaction that was rolled back and run again
 * too: they were loaded at the same rate.
 */
export class RestorePace {
  private startLeftMs: number | undefined;
  private minSampleMs = MIN_SAMPLE_MS;
  private sampleBytes = 0;
  private rateKnown = false;

  /** Whether the rate has been measured over long enough to project from it. */
  get measured(): boolean {
    return this.rateKnown;
  }

  /**
   * Records a batch just loaded.
   * @param batchBytes bytes of lines the batch loaded
   * @param bytesLeft bytes of lines the restore still has to load after it
   * @param leftMs the time the restore has left now, ms (`spendableMs` of its budget)
   * @param factor {@link STOP_FACTOR} or {@link COMMIT_FACTOR}
   * @returns the shortfall when, at the rate measured over long enough, `bytesLeft` would take more than
   *   `factor` times `leftMs`; undefined otherwise
   */
  observe(batchBytes: number, bytesLeft: number, leftMs: number, factor: number): PaceShortfall | undefined {
    if (this.startLeftMs === undefined) {
      this.startLeftMs = leftMs;
      this.minSampleMs = Math.max(MIN_SAMPLE_MS, MIN_SAMPLE_SHARE * leftMs);
      return undefined;
    }
    this.sampleBytes += batchBytes;
    const measuredMs = this.startLeftMs - leftMs;
    if (measuredMs < this.minSampleMs || this.sampleBytes <= 0) return undefined;
    this.rateKnown = true;
    const bytesPerMs = this.sampleBytes / measuredMs;
    const needMs = bytesLeft / bytesPerMs;
    if (needMs <= factor * leftMs) return undefined;
    return { bytesPerSecond: bytesPerMs * 1000, measuredMs, bytesLeft, needMs, leftMs };
  }
}
