/**
 * The time budget guard of one invocation: the engine stops cleanly between migrations (and between a
 * data migration's batches) once less than a reserve is left, so the function always answers before
 * Lambda stops it at its timeout. What is left is continued by the next invocation: the Provider
 * framework's next isComplete poll for a CloudFormation deployment, or the operator invoking
 * `{"action":"migrate"}` again (the report says so).
 */
import type { Context } from 'aws-lambda';
import type { TimeBudget } from '../engine/run/time-budget';

/** Environment variable overriding the reserve, ms (the construct does not set it; tests do). */
export const TIME_RESERVE_ENV = 'RDS_MIGRATE_TIME_RESERVE_MS';

/** The reserve when {@link TIME_RESERVE_ENV} is not set, ms, unless the invocation is short (see below). */
export const DEFAULT_TIME_RESERVE_MS = 60_000;

/** The reserve is at most this share of the time an invocation starts with. */
export const MAX_RESERVE_SHARE = 0.25;

/** The part of the Lambda context the budget reads. */
export type RemainingTime = Pick<Context, 'getRemainingTimeInMillis'>;

/**
 * The reserve kept back for what follows the engine's work (releasing the lock, recording the schema
 * fingerprint, verification, the answer), ms: {@link TIME_RESERVE_ENV} when set, otherwise
 * {@link DEFAULT_TIME_RESERVE_MS} but at most a quarter of `startMs` (a 1-minute function keeps 15 s).
 * @param startMs the time the invocation starts with, ms
 * @throws {Error} naming the variable when it is not a whole number of ms
 */
export function reserveMs(env: NodeJS.ProcessEnv, startMs: number): number {
  const configured = env[TIME_RESERVE_ENV];
  if (configured !== undefined && configured !== '') {
    if (!/^[0-9]{1,10}$/.test(configured)) throw new Error(`${TIME_RESERVE_ENV} must be a whole number of milliseconds, got "${configured}"`);
    return Number(configured);
  }
  return Math.min(DEFAULT_TIME_RESERVE_MS, Math.floor(startMs * MAX_RESERVE_SHARE));
}

/**
 * The invocation's time budget for the engine (`engine/run/time-budget.ts`): the Lambda context's
 * remaining time, or less when `deadlineAtMs` (epoch ms: a deployment's time limit) comes first.
 * @returns undefined without a context (a caller outside Lambda: no limit)
 * @throws {Error} as {@link reserveMs}
 */
export function invocationBudget(context: RemainingTime | undefined, env: NodeJS.ProcessEnv, deadlineAtMs?: number): TimeBudget | undefined {
  if (!context || typeof context.getRemainingTimeInMillis !== 'function') return undefined;
  const remainingTimeMs = (): number =>
    Math.min(context.getRemainingTimeInMillis(), deadlineAtMs === undefined ? Infinity : deadlineAtMs - Date.now());
  return { remainingTimeMs, reserveMs: reserveMs(env, context.getRemainingTimeInMillis()) };
}
