/**
 * The example CDK app (`cdk.json`: `npx tsx bin/app.ts`): one `RdsMigrateExampleStack`.
 *
 *     npx cdk synth                 # offline: bundles the function, compiles the migrations
 *     npx cdk bootstrap             # once per account and region
 *     npx cdk deploy RdsMigrateExampleStack
 *
 * Context `migrationsDirectory` replaces the FaktuLove migrations, e.g.
 * `npx cdk synth -c migrationsDirectory=./my-migrations`.
 */
import { App } from 'aws-cdk-lib';
import { RdsMigrateExampleStack } from '../lib/example-stack';

const app = new App();
// Environment-agnostic on purpose: no context lookups, so `cdk synth` runs offline; `cdk deploy`
// deploys to the account and region of the current AWS profile.
const migrationsDirectory: unknown = app.node.tryGetContext('migrationsDirectory');
new RdsMigrateExampleStack(app, 'RdsMigrateExampleStack', {
  migrationsDirectory: typeof migrationsDirectory === 'string' ? migrationsDirectory : undefined,
  description: 'rds-migrate example: Aurora PostgreSQL Serverless v2 migrated over the RDS Data API',
});
app.synth();
