/** The verification report: what runVerification returns, and what the function and CLI print. */

/**
 * How serious a check is when it does not pass: `error` fails the verification, `warning` and `info`
 * are reported only. A passing check keeps the severity it would have had.
 */
export type Severity = 'error' | 'warning' | 'info';

export interface VerificationCheck {
  /** Which check: `verify-script`, `schema-history`, `invalid-index`. */
  readonly check: string;
  /** What was checked: a file (`0022_add_ocr_indexes/verify.sql`), a version, an index (`public.idx`). */
  readonly object?: string;
  readonly severity: Severity;
  readonly passed: boolean;
  /** One sentence: what passed, or what failed, where and why. */
  readonly message: string;
  readonly expected?: unknown;
  readonly found?: unknown;
}

export interface VerificationReport {
  /** False when any check with severity `error` did not pass. */
  readonly ok: boolean;
  readonly checks: VerificationCheck[];
  /** Wall time of the whole verification, ms. */
  readonly durationMs: number;
}

/** True when no `error` check failed. */
export function isOk(checks: readonly VerificationCheck[]): boolean {
  return checks.every((c) => c.passed || c.severity !== 'error');
}
