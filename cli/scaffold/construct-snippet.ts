/**
 * The CDK snippet `rds-migrate init` prints: `DatabaseMigrations` (lib/database-migrations.ts) next
 * to an Aurora PostgreSQL cluster with the Data API on, pointed at the project's migrations folder.
 * @param migrationsDir the migrations folder, relative to the project folder (as `init` created it)
 */
export function constructSnippet(migrationsDir: string): string {
  const folder = migrationsDir.replace(/\\/g, '/').replace(/\/$/, '');
  return `import * as path from 'node:path';
import * as rds from 'aws-cdk-lib/aws-rds';
import { DatabaseMigrations } from 'rds-migrate/lib';

// In your stack, next to an Aurora PostgreSQL cluster with the Data API enabled:
//   const cluster = new rds.DatabaseCluster(this, 'Cluster', { ..., enableDataApi: true });
const migrations = new DatabaseMigrations(this, 'Migrations', {
  cluster,
  secret: cluster.secret!,
  databaseName: 'app',
  // Compiled at synth time: a migration that does not parse fails \`cdk synth\`.
  migrationsDirectory: path.join(__dirname, '..', '${folder}'),
  // Snapshots go to a new retained bucket under snapshots/ unless you pass snapshotBucket.
});
// Operators: rds-migrate invoke status --function-name <migrations.function.functionName>
`;
}
