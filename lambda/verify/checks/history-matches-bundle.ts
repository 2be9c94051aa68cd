/**
 * Built-in check `schema-history`: the schema history matches the bundle. Fails (severity error) for
 * every applied version missing from the bundle, every changed checksum, every failed row and every
 * pending version, and every version in a state it does not know (not applied); a pending version
 * above `targetVersion` is only `info` (not meant to be applied). A repeatable migration never applied
 * or changed since applied fails too (`info` while `targetVersion` is below the bundle's last version:
 * migrate applies repeatables only when it goes to the last); one applied and no longer in the bundle
 * is `info` (its objects stay).
 * Pure: works on the status read once by runVerification.
 */
import type { Status } from '../../engine/status/compute';
import { compareVersions } from '../../migrations/compare-versions';
import type { VerificationCheck } from '../report';

const CHECK = 'schema-history';

export function checkHistoryMatchesBundle(status: Status, options: { readonly targetVersion?: string } = {}): VerificationCheck[] {
  const checks: VerificationCheck[] = [];
  for (const s of status.migrations) {
    const object = s.file ?? s.version;
    if (s.state === 'changed') {
      checks.push({
        check: CHECK, object, severity: 'error', passed: false, expected: s.expectedChecksum, found: s.foundChecksum,
        message: `${object} was changed after it was applied (checksum differs from the schema history)`,
      });
    } else if (s.state === 'failed') {
      checks.push({
        check: CHECK, object, severity: 'error', passed: false, expected: 'success', found: `failed after ${s.row?.statementsApplied ?? 0} statement(s)`,
        message: `${s.version} (${s.name}) has a failed schema history row: it ran partly`,
      });
    } else if (s.state === 'missing') {
      checks.push({
        check: CHECK, object: s.version, severity: 'error', passed: false, expected: 'in the bundle', found: 'applied, not in the bundle',
        message: `${s.version} (${s.name}) is applied but missing from the bundle`,
      });
    } else if (s.state === 'pending') {
      const beyondTarget = options.targetVersion !== undefined && compareVersions(s.version, options.targetVersion) > 0;
      checks.push({
        check: CHECK, object, severity: beyondTarget ? 'info' : 'error', passed: false, expected: 'applied', found: 'pending',
        message: beyondTarget
          ? `${s.version} (${s.name}) is pending, above the target version ${options.targetVersion}`
          : `${s.version} (${s.name}) is pending${s.outOfOrder ? `, below the current version ${status.current}` : ''}`,
      });
    } else if (s.state !== 'applied') {
      // A state this check does not know yet (the engine may add some): not applied, so it fails.
      checks.push({
        check: CHECK, object, severity: 'error', passed: false, expected: 'applied', found: s.state,
        message: `${s.version} (${s.name}) is ${s.state}, not applied`,
      });
    }
  }
  // Repeatable migrations are applied by a migrate that goes to the bundle's last version: with a
  // target below it, one not applied (yet) only waits (info).
  const waits = options.targetVersion !== undefined && status.migrations.some((s) => s.migration && compareVersions(s.version, options.targetVersion!) > 0);
  for (const r of status.repeatables) {
    const object = r.file ?? r.name;
    if (r.state === 'pending' || r.state === 'outdated') {
      checks.push({
        check: CHECK, object, severity: waits ? 'info' : 'error', passed: false, expected: 'applied', found: r.state,
        message:
          `repeatable migration ${r.name} is ${r.state === 'pending' ? 'not applied' : 'changed since it was applied, not applied again'}` +
          (waits ? `: applied by a migrate to the last version, above the target version ${options.targetVersion}` : ''),
      });
    } else if (r.state === 'missing') {
      checks.push({
        check: CHECK, object, severity: 'info', passed: false, expected: 'in the bundle', found: 'applied, not in the bundle',
        message: `repeatable migration ${r.name} was applied and is no longer in the bundle: what it created stays (nothing removes it)`,
      });
    }
  }
  if (checks.length === 0) {
    const applied = status.migrations.filter((s) => s.state === 'applied').length;
    checks.push({
      check: CHECK, severity: 'error', passed: true,
      message: `schema history matches the bundle: ${applied} migration(s) applied, current version ${status.current ?? 'none'}`,
    });
  }
  return checks;
}
