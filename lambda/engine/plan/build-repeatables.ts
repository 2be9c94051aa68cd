import type { BundledRepeatable } from '../../migrations/bundle';
import type { HistoryTables } from '../history/tables';
import { insertFinished } from '../history/writes';
import type { TimeoutOptions } from '../run/timeouts';
import { timeoutSettings } from '../run/timeouts';
import type { RepeatableStatus } from '../status/compute';
import { migrationStatement } from './migration-statement';
import { transactionStep } from './transaction-step';
import { runSettings, runsInOneTransaction } from './run-settings';
import type { PlannedRepeatable, PlannedStep, RunSettings } from './types';

export interface RepeatablesPlanOptions extends TimeoutOptions {
  readonly tables: HistoryTables;
  /** Send a transaction step as one DO block call when it can be (`fold.ts`). @default true */
  readonly foldTransactions?: boolean;
  readonly appliedBy: string;
}

function repeatableSteps(repeatable: BundledRepeatable, transactional: boolean, settings: RunSettings, options: RepeatablesPlanOptions): PlannedStep[] {
  const up = repeatable.up;
  const row = (opener?: TimeoutOptions) =>
    insertFinished(
      options.tables,
      { version: '', name: repeatable.name, type: 'repeatable', checksum: repeatable.checksum, appliedBy: options.appliedBy, statements: up.statements.length },
      opener ? { opener } : {},
    );
  const planned = up.statements.map((statement, i) => migrationStatement(up, statement, i));
  if (transactional) {
    return [
      transactionStep(row, planned, { timeouts: settings.timeouts, ...(options.foldTransactions === undefined ? {} : { fold: options.foldTransactions }) }, {
        version: '',
        name: repeatable.name,
        type: 'repeatable',
        checksum: repeatable.checksum,
      }),
    ];
  }
  // Statement by statement; the row at the end (a failure part-way is applied again whole next time:
  // repeatable migrations are written to be re-applied).
  const steps: PlannedStep[] = up.statements.map((statement, i) =>
    statement.nonTransactional
      ? { transaction: false, statements: [planned[i]!] }
      : { transaction: true, statements: [timeoutSettings(settings.timeouts), planned[i]!] },
  );
  steps.push({ transaction: false, statements: [row()] });
  return steps;
}

/**
 * Plans the repeatable migrations migrate applies after the versioned ones: those `pending` (never
 * applied) or `outdated` (their checksum differs from the one last applied), in the bundle's order
 * (Flyway's: by description). Each runs in its own transaction, which opens with its schema history
 * row (type `repeatable`, version '', the script's checksum), so it is recorded exactly when it
 * commits; one that cannot run in a transaction runs statement by statement and is recorded at the end.
 * @throws {Error} naming the repeatable migration when a directive's timeout is out of range
 */
export function buildRepeatablesPlan(statuses: readonly RepeatableStatus[], options: RepeatablesPlanOptions): PlannedRepeatable[] {
  return statuses
    .filter((s): s is RepeatableStatus & { repeatable: BundledRepeatable; state: 'pending' | 'outdated' } => s.repeatable !== undefined && (s.state === 'pending' || s.state === 'outdated'))
    .map((s) => {
      const settings = runSettings(s.repeatable, options);
      const transactional = runsInOneTransaction(s.repeatable);
      return {
        kind: 'repeatable',
        version: '',
        name: s.name,
        direction: 'up',
        repeatable: s.repeatable,
        file: s.repeatable.up.file,
        state: s.state,
        transactional,
        resumeAfter: 0,
        priorExecutionMs: 0,
        ...settings,
        steps: repeatableSteps(s.repeatable, transactional, settings, options),
      };
    });
}
