/** The verification report: what runVerification returns, and what the function and CLI print. */

/**
 * How serious a check is when it does not pass: `error` fails the verification, `warning` and `info`
 * are reported only. A passing check keeps the severity it would have had.
 */
export type Severity = 'error' | 'warning' | 'info';

/** The built-in checks, by the name a report gives them. */
export type CheckName =
  | 'schema-history'
  | 'verify-script'
  | 'drift'
  | 'invalid-index'
  | 'not-valid-constraint'
  | 'lock'
  | 'sequence-capacity'
  | 'index-usage';

export interface VerificationCheck {
  /** Which check (see {@link CheckName}). */
  readonly check: string;
  /**
   * What was checked: a file (`0022_add_ocr_indexes/verify.sql`), a version, or a database object named
   * as in the schema fingerprint (`index public.faktura_ocr_idx`, `column public.faktura.note`).
   */
  readonly object?: string;
  /**
   * For checks that find several kinds of problem: drift `added` / `removed` / `changed`; index-usage
   * `unused` / `duplicate`; verify-script `missing`.
   */
  readonly kind?: string;
  readonly severity: Severity;
  readonly passed: boolean;
  /** One sentence: what passed, or what failed, where and why. */
  readonly message: string;
  /** What the check wanted (a recorded definition, `valid`, a checksum, ...). */
  readonly expected?: unknown;
  /** What it found. */
  readonly found?: unknown;
}

/** Counts over a report, for metrics and summaries. */
export interface VerificationCounts {
  /** Checks run. */
  readonly checks: number;
  /** Failing checks of severity `error` (the VerificationFailures metric). */
  readonly failures: number;
  /** Failing checks of severity `warning`. */
  readonly warnings: number;
  /** Bundled migrations not applied (pending), whatever the target version. */
  readonly pendingMigrations: number;
  /** Objects that drifted from the recorded fingerprint (all of them, also those not listed). */
  readonly driftObjects: number;
  /** INVALID indexes (not counting those still being built). */
  readonly invalidIndexes: number;
}

export interface VerificationReport {
  /** False when any check with severity `error` did not pass. */
  readonly ok: boolean;
  readonly checks: VerificationCheck[];
  readonly counts: VerificationCounts;
  /** A few lines for people: the outcome and the first failing checks (see `summary.ts`). */
  readonly summary: string;
  /** Wall time of the whole verification, ms. */
  readonly durationMs: number;
}

/** True when no `error` check failed. */
export function isOk(checks: readonly VerificationCheck[]): boolean {
  return checks.every((c) => c.passed || c.severity !== 'error');
}
