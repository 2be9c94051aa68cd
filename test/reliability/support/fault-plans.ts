/**
 * Fault plans for the local Data API's hook (`local/data-api/faults.ts`): which calls get which fault,
 * and how many times a fault actually fired (the figures count those, never the plan).
 */
import type { FaultAction, FaultContext, FaultHook } from '../../../local/data-api/faults';
import { sqlOf } from './call-script';

/** Picks calls: true for a call the fault is meant for. */
export type CallMatcher = (context: FaultContext) => boolean;

/** A hook and how many times it fired. */
export interface FaultPlan {
  readonly hook: FaultHook;
  readonly fired: () => number;
}

/** Calls whose SQL starts with `prefix` (whitespace collapsed on both sides). */
export function statementStarting(prefix: string): CallMatcher {
  const want = prefix.replace(/\s+/g, ' ').trim();
  return (context) => (sqlOf(context) ?? '').replace(/\s+/g, ' ').trim().startsWith(want);
}

/**
 * Calls that carry a statement starting with `prefix`: sent alone, or inside the one DO block call
 * the engine folds a migration's transaction into (`engine/plan/fold.ts`).
 */
export function statementIn(prefix: string): CallMatcher {
  const want = prefix.replace(/\s+/g, ' ').trim();
  return (context) => (sqlOf(context) ?? '').replace(/\s+/g, ' ').includes(want);
}

/** Any call of `operation`. */
export function operationIs(operation: FaultContext['operation']): CallMatcher {
  return (context) => context.operation === operation;
}

/**
 * The CommitTransaction of a transaction in which a statement matching `statement` ran (the plan
 * remembers the transaction ids it saw with such a statement).
 */
export function commitOf(statement: CallMatcher): CallMatcher {
  const ids = new Set<string>();
  return (context) => {
    const id = (context.request as { transactionId?: unknown } | undefined)?.transactionId;
    if (typeof id !== 'string') return false;
    if (context.operation === 'ExecuteStatement' && statement(context)) ids.add(id);
    return context.operation === 'CommitTransaction' && ids.has(id);
  };
}

/** Applies `action` to the first `times` calls that match (default once), and lets every other call through. */
export function faultWhen(matches: CallMatcher, action: FaultAction, times = 1): FaultPlan {
  let fired = 0;
  return {
    hook: (context) => {
      // The matcher sees every call (commitOf must see the statements before the commit).
      const hit = matches(context);
      if (!hit || fired >= times) return undefined;
      fired++;
      return action;
    },
    fired: () => fired,
  };
}
