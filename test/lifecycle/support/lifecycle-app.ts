/**
 * The lifecycle tests' CDK app: one `RdsMigrateExampleStack` (the example app's stack) per release of
 * the migrations, all synthesized by one `cdk synth --app "npx tsx test/lifecycle/support/lifecycle-app.ts"`
 * (so `cdk.json`'s context, its feature flags, applies as it does to `bin/app.ts`).
 *
 * Context `lifecycleReleases`: a JSON array of `{ stackName, migrationsDirectory, onRollback?, finalSnapshot?, baselineVersion? }`.
 */
import { App } from 'aws-cdk-lib';
import { RdsMigrateExampleStack } from '../../../lib/example-stack';
import type { LifecycleRelease } from './lifecycle-release';

const app = new App();
const context: unknown = app.node.tryGetContext('lifecycleReleases');
if (typeof context !== 'string') throw new Error('lifecycle-app: context lifecycleReleases (a JSON array of releases) is required');
for (const release of JSON.parse(context) as LifecycleRelease[]) {
  new RdsMigrateExampleStack(app, release.stackName, {
    migrationsDirectory: release.migrationsDirectory,
    migrations: {
      ...(release.onRollback ? { onRollback: release.onRollback } : {}),
      ...(release.finalSnapshot !== undefined ? { finalSnapshot: release.finalSnapshot } : {}),
      ...(release.baselineVersion !== undefined ? { baselineVersion: release.baselineVersion } : {}),
    },
  });
}
app.synth();
