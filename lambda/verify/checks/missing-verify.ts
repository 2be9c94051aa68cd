/**
 * Built-in check `verify-script` for applied migrations without a verify script: each is reported by
 * name. By default as passing `info` (nothing to run, nothing failed); with `requireVerify` as a
 * failing `error`, like sqitch's `--require-verify`. Pure.
 */
import type { MigrationStatus } from '../../engine/status/compute';
import type { VerificationCheck } from '../report';

export function checkMissingVerify(migrations: readonly MigrationStatus[], requireVerify = false): VerificationCheck[] {
  return migrations
    .filter((s) => (s.state === 'applied' || s.state === 'changed') && s.migration && !s.migration.verify)
    .map((s) => {
      const object = s.file ? s.file.replace(/[^/]*$/, 'verify.sql') : `${s.version}_${s.name}/verify.sql`;
      return requireVerify
        ? {
            check: 'verify-script', object, kind: 'missing', severity: 'error' as const, passed: false, expected: 'a verify script', found: 'none',
            message: `${s.version} (${s.name}) has no verify script, and verify scripts are required`,
          }
        : {
            check: 'verify-script', object, kind: 'missing', severity: 'info' as const, passed: true,
            message: `${s.version} (${s.name}) has no verify script: nothing to run`,
          };
    });
}
