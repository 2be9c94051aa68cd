import type { ProviderPhase } from './deploy/advance-deployment';

/**
 * Which of the CDK Provider framework's handlers this function is: the construct deploys the same code
 * twice, as the onEvent handler (also the console's and the schedule's function) and as the isComplete
 * handler, which it marks with `RDS_MIGRATE_PROVIDER_HANDLER=isComplete`. A CloudFormation request is
 * started by the first and continued by the second (`deploy/advance-deployment.ts`).
 */
export const PROVIDER_HANDLER_ENV = 'RDS_MIGRATE_PROVIDER_HANDLER';

/**
 * The handler this function answers as.
 * @returns `isComplete` when the variable says so, `onEvent` when it is unset or says `onEvent`
 * @throws {Error} naming the variable and its value otherwise
 */
export function providerPhase(env: NodeJS.ProcessEnv): ProviderPhase {
  const value = env[PROVIDER_HANDLER_ENV];
  if (value === undefined || value === '' || value === 'onEvent') return 'onEvent';
  if (value === 'isComplete') return 'isComplete';
  throw new Error(`${PROVIDER_HANDLER_ENV} must be "onEvent" or "isComplete", got "${value}"`);
}
