import { historyWriteInBlock } from '../history/writes';
import { openerPerform, type TimeoutOptions } from '../run/timeouts';
import { canFold, foldStep } from './fold';
import type { PlannedStatement, PlannedStep, StepConfirmation } from './types';

/** How a step's transaction is written. */
export interface TransactionStepOptions {
  /** The step's timeouts. */
  readonly timeouts: TimeoutOptions;
  /** Fold the step into one DO block when it can be (`fold.ts`). @default true */
  readonly fold?: boolean;
}

/**
 * A transaction step that writes a schema history row and runs `statements`. When it can be folded
 * (`fold.ts`), its statements are listed as the block runs them (the migration's statements, then the
 * write) and `folded` holds the one DO block sent for them; otherwise it is a transaction whose first
 * statement is the write with the settings in its CTE (`history/writes.ts`), then the statements.
 * @param write builds the write: with `opener`, as the transaction's opening statement; without, plain
 *   (for the DO block)
 * @param confirm how the schema history shows the step took effect
 */
export function transactionStep(
  write: (opener?: TimeoutOptions) => PlannedStatement,
  statements: readonly PlannedStatement[],
  options: TransactionStepOptions,
  confirm: StepConfirmation,
  extra: Pick<PlannedStep, 'statementsDone' | 'resumed'> = {},
): PlannedStep {
  if (options.fold !== false && canFold(statements, options.timeouts.statementTimeoutMs !== undefined)) {
    const plain = { ...write(), confirm };
    const folded = foldStep(openerPerform(options.timeouts), statements, { sql: historyWriteInBlock(plain), statement: plain });
    if (folded) return { transaction: true, statements: [...statements, plain], folded, ...extra };
  }
  return { transaction: true, statements: [write(options.timeouts), ...statements], ...extra };
}
