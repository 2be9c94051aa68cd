import type { RepairReport } from '../../lambda/engine/commands/repair';
import type { Printer } from './printer';

/** A repair for people: each accepted checksum and each removed failed row, or that nothing was to repair. */
export function renderRepair(result: RepairReport, out: Printer): void {
  const c = out.colour;
  if (result.acceptedChecksums.length === 0 && result.removedFailed.length === 0) {
    out.line(c.green('Nothing to repair: the schema history agrees with the migrations folder.'));
    return;
  }
  for (const a of result.acceptedChecksums) out.line(`accepted the new checksum of ${c.bold(a.file)} (was ${a.previous.slice(0, 12)}…, now ${a.accepted.slice(0, 12)}…)`);
  for (const f of result.removedFailed) {
    out.line(`removed the failed row of ${c.bold(f.version)} (${f.statementsApplied} statement(s) had run): the next migrate runs it from the start`);
  }
}
