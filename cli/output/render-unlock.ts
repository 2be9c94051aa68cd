import type { UnlockActionReport } from '../../lambda/actions/unlock-action';
import type { Printer } from './printer';

/** An unlock for people: who held the lock, or that nobody did. */
export function renderUnlock(report: UnlockActionReport, out: Printer): void {
  const holder = report.holder;
  out.line(
    holder
      ? `Released the lock held by ${out.colour.bold(holder.owner)} since ${holder.acquiredAt} (lease until ${holder.expiresAt}).`
      : 'Nobody held the migration lock.',
  );
}
