/**
 * Whether a long job in a Lambda invocation (a snapshot's export, a restore's loading) can still finish in
 * the time it has, from the rate it has had so far. A job that cannot finish is stopped as soon as that is
 * clear, rather than running until the invocation's time is spent only to fail then: a restore holding its
 * tables (locked by its `TRUNCATE`) and a snapshot holding the migration lock for up to 14 minutes each.
 */

/** A job that will not finish in its time, as {@link WorkPace.observe} projects it. */
export interface PaceShortfall {
  /** The rate measured, bytes of work per second. */
  readonly bytesPerSecond: number;
  /** How long the rate was measured over, ms. */
  readonly measuredMs: number;
  /** Bytes of work still to do. */
  readonly bytesLeft: number;
  /** How long they would take at that rate, ms. */
  readonly needMs: number;
  /** The time the job has left (the budget's spendable time), ms. */
  readonly leftMs: number;
}

/**
 * The rate is measured over at least this long before anything is projected from it, ms, and at least
 * {@link MIN_SAMPLE_SHARE} of the time the job had when the measure began.
 */
export const MIN_SAMPLE_MS = 5_000;
export const MIN_SAMPLE_SHARE = 0.1;
/**
 * A job whose stop changes nothing (a restore in one transaction, rolled back; a snapshot, its objects
 * deleted) stops only when the rest would take more than this many times the time it has left. Tables
 * load and export at different rates (their width, their indexes, their types), so a projection from the
 * work done so far can be wrong either way; one that is off by less than this factor never stops a job
 * that would have finished.
 */
export const STOP_FACTOR = 2;
/**
 * A `per-table` restore commits the `TRUNCATE` of its tables (the first change it cannot take back) only
 * while the rest is projected to fit in the time left: more than this many times the time left stops it
 * before that commit.
 */
export const COMMIT_FACTOR = 1;

/**
 * Measures a job's rate, step after step, in the time of its budget (the rate is bytes of work done per ms
 * of the budget's time spent, so it needs no clock of its own), and projects whether the bytes left can
 * be done in the time left. What a byte of work is, is the job's: a restore counts bytes of lines loaded,
 * a snapshot bytes of table read (`pg_table_size`, in proportion of the rows exported). The measure begins
 * at the first step observed and counts the bytes of every step after it, those of a transaction that was
 * rolled back and run again too: they were done at the same rate.
 */
export class WorkPace {
  private startLeftMs: number | undefined;
  private minSampleMs = MIN_SAMPLE_MS;
  private sampleBytes = 0;
  private rateKnown = false;

  /** Whether the rate has been measured over long enough to project from it. */
  get measured(): boolean {
    return this.rateKnown;
  }

  /**
   * Records a step just done.
   * @param stepBytes bytes of work the step did
   * @param bytesLeft bytes of work the job still has to do after it
   * @param leftMs the time the job has left now, ms (`spendableMs` of its budget)
   * @param factor {@link STOP_FACTOR} or {@link COMMIT_FACTOR}
   * @returns the shortfall when, at the rate measured over long enough, `bytesLeft` would take more than
   *   `factor` times `leftMs`; undefined otherwise
   */
  observe(stepBytes: number, bytesLeft: number, leftMs: number, factor: number): PaceShortfall | undefined {
    if (this.startLeftMs === undefined) {
      this.startLeftMs = leftMs;
      this.minSampleMs = Math.max(MIN_SAMPLE_MS, MIN_SAMPLE_SHARE * leftMs);
      return undefined;
    }
    this.sampleBytes += stepBytes;
    const measuredMs = this.startLeftMs - leftMs;
    if (measuredMs < this.minSampleMs || this.sampleBytes <= 0) return undefined;
    this.rateKnown = true;
    const bytesPerMs = this.sampleBytes / measuredMs;
    const needMs = bytesLeft / bytesPerMs;
    if (needMs <= factor * leftMs) return undefined;
    return { bytesPerSecond: bytesPerMs * 1000, measuredMs, bytesLeft, needMs, leftMs };
  }
}
