/**
 * The short human summary of a verification report, for the CLI, the logs and the `summary` field:
 *
 * ```
 * Verification failed: 2 errors, 1 warning in 14 checks (drift: 2 objects; pending: 0) in 412 ms.
 * ERROR drift index public.faktura_ocr_idx: index public.faktura_ocr_idx was removed outside the migrations (...)
 * WARNING index-usage index public.faktura_user_idx: index public.faktura_user_idx on public.faktura duplicates ...
 * ```
 *
 * The first line always; then one line per failing check, errors before warnings, at most `maxLines`
 * (default 10), then `... and N more`. Pure.
 */
import type { VerificationCheck, VerificationCounts } from './report';

/** Failing checks listed in a summary by default. */
export const SUMMARY_MAX_LINES = 10;

const RANK = { error: 0, warning: 1, info: 2 } as const;

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/** One line for a failing check: `SEVERITY check object: message`. */
export function checkLine(c: VerificationCheck): string {
  return `${c.severity.toUpperCase()} ${c.check}${c.object ? ` ${c.object}` : ''}: ${c.message}`;
}

/**
 * Summarises a verification (see the module doc).
 * @param report the checks, their counts, whether they passed and how long they took (ms)
 */
export function summarizeVerification(
  report: { readonly ok: boolean; readonly checks: readonly VerificationCheck[]; readonly counts: VerificationCounts; readonly durationMs: number },
  maxLines = SUMMARY_MAX_LINES,
): string {
  const { counts } = report;
  const head =
    `Verification ${report.ok ? 'passed' : 'failed'}: ${plural(counts.failures, 'error')}, ${plural(counts.warnings, 'warning')} ` +
    `in ${plural(counts.checks, 'check')} (drift: ${plural(counts.driftObjects, 'object')}; pending: ${counts.pendingMigrations}; ` +
    `invalid indexes: ${counts.invalidIndexes}) in ${report.durationMs} ms.`;
  const failing = report.checks
    .map((c, i) => ({ c, i }))
    .filter(({ c }) => !c.passed && c.severity !== 'info')
    .sort((a, b) => RANK[a.c.severity] - RANK[b.c.severity] || a.i - b.i)
    .map(({ c }) => checkLine(c));
  const shown = failing.slice(0, maxLines);
  const more = failing.length > shown.length ? [`... and ${failing.length - shown.length} more`] : [];
  return [head, ...shown, ...more].join('\n');
}
