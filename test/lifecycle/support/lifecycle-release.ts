import type { OnRollbackPolicy } from '../../../lambda/events/custom-resource-event';

/** One release of the app for `lifecycle-app.ts`: a stack with its migrations folder and options. */
export interface LifecycleRelease {
  readonly stackName: string;
  readonly migrationsDirectory: string;
  readonly onRollback?: OnRollbackPolicy;
  readonly finalSnapshot?: boolean;
  /** The construct's `baselineVersion`. */
  readonly baselineVersion?: string;
}

/** The app command that synthesizes the releases (run from the package root). */
export const LIFECYCLE_APP = 'npx tsx test/lifecycle/support/lifecycle-app.ts';
