import { describe, expect, it } from 'vitest';
import { failingChecks } from '../../lambda/function/failure-reason';
import type { VerificationCheck, VerificationCounts } from '../../lambda/verify/report';
import { checkLine, summarizeVerification } from '../../lambda/verify/summary';

const counts = (over: Partial<VerificationCounts> = {}): VerificationCounts => ({
  checks: 0, failures: 0, warnings: 0, pendingMigrations: 0, driftObjects: 0, invalidIndexes: 0, ...over,
});

const drift = (i: number): VerificationCheck => ({
  check: 'drift', object: `index public.t${i}_idx`, kind: 'removed', severity: 'error', passed: false, message: `index public.t${i}_idx was removed outside the migrations`,
});
const warning: VerificationCheck = { check: 'index-usage', object: 'index public.a_idx', kind: 'unused', severity: 'warning', passed: false, message: 'index public.a_idx was never scanned' };
const info: VerificationCheck = { check: 'verify-script', object: '1_x/verify.sql', kind: 'missing', severity: 'info', passed: true, message: '1 (x) has no verify script: nothing to run' };

describe('summarizeVerification', () => {
  it('is one line for a clean report', () => {
    const text = summarizeVerification({ ok: true, checks: [info], counts: counts({ checks: 9 }), durationMs: 120 });
    expect(text).toBe('Verification passed: 0 errors, 0 warnings in 9 checks (drift: 0 objects; pending: 0; invalid indexes: 0) in 120 ms.');
  });

  it('lists errors before warnings, at most maxLines, then how many more', () => {
    const checks = [warning, ...Array.from({ length: 4 }, (_, i) => drift(i))];
    const text = summarizeVerification({ ok: false, checks, counts: counts({ checks: 12, failures: 4, warnings: 1, driftObjects: 4 }), durationMs: 80 }, 3);
    expect(text.split('\n')).toEqual([
      'Verification failed: 4 errors, 1 warning in 12 checks (drift: 4 objects; pending: 0; invalid indexes: 0) in 80 ms.',
      'ERROR drift index public.t0_idx: index public.t0_idx was removed outside the migrations',
      'ERROR drift index public.t1_idx: index public.t1_idx was removed outside the migrations',
      'ERROR drift index public.t2_idx: index public.t2_idx was removed outside the migrations',
      '... and 2 more',
    ]);
    expect(checkLine(warning)).toBe('WARNING index-usage index public.a_idx: index public.a_idx was never scanned');
  });

  it('feeds the CloudFormation failure reason with the first failing errors only', () => {
    const report = { ok: false, checks: [warning, ...Array.from({ length: 7 }, (_, i) => drift(i))], counts: counts(), summary: '', durationMs: 1 };
    expect(failingChecks(report)).toEqual(Array.from({ length: 5 }, (_, i) => `drift index public.t${i}_idx: index public.t${i}_idx was removed outside the migrations`));
  });
});
