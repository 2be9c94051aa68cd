import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { DatabaseMigrations } from '../../../lib/database-migrations';
import type { DatabaseMigrationsProps } from '../../../lib/database-migrations-props';

const here = path.dirname(fileURLToPath(import.meta.url));

/** The valid two-migration fixture folder. */
export const FIXTURE_MIGRATIONS = path.resolve(here, '..', 'fixtures', 'migrations');

const created: string[] = [];

/** A fresh temporary folder, removed by `removeTempDirs`. */
export function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `rds-migrate-${prefix}-`));
  created.push(dir);
  return dir;
}

/** Removes every folder `tempDir` (and so `newStack`) created in this test file: call in `afterAll`. */
export function removeTempDirs(): void {
  for (const dir of created.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

/**
 * A new app writing to a temporary folder. `bundle: false` (the default) skips asset bundling
 * (context `aws:cdk:bundling-stacks: []`), for tests of the template alone.
 */
export function newApp(options: { bundle?: boolean } = {}): { app: App; outdir: string } {
  const outdir = tempDir('cdk-out');
  return { app: new App({ outdir, context: options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] } }), outdir };
}

/** A stack `TestStack` in a new app (see `newApp`). */
export function newStack(options: { bundle?: boolean } = {}): { app: App; stack: Stack; outdir: string } {
  const { app, outdir } = newApp(options);
  return { app, stack: new Stack(app, 'TestStack'), outdir };
}

/** An Aurora PostgreSQL Serverless v2 cluster with the Data API on or off. */
export function auroraCluster(stack: Stack, options: { dataApi?: boolean; engine?: rds.IClusterEngine } = {}): rds.DatabaseCluster {
  const vpc = new ec2.Vpc(stack, 'Vpc', {
    natGateways: 0,
    subnetConfiguration: [{ name: 'db', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }],
  });
  return new rds.DatabaseCluster(stack, 'Cluster', {
    engine: options.engine ?? rds.DatabaseClusterEngine.auroraPostgres({ version: rds.AuroraPostgresEngineVersion.VER_16_6 }),
    writer: rds.ClusterInstance.serverlessV2('Writer'),
    vpc,
    vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
    enableDataApi: options.dataApi ?? true,
  });
}

/** Props for an imported cluster (by ARN) with an imported secret, overridable. */
export function importedProps(stack: Stack, overrides: Partial<DatabaseMigrationsProps> = {}): DatabaseMigrationsProps {
  return {
    clusterArn: 'arn:aws:rds:eu-central-1:123456789012:cluster:faktulove',
    secret: secretsmanager.Secret.fromSecretCompleteArn(
      stack,
      `Secret${stack.node.children.length}`,
      'arn:aws:secretsmanager:eu-central-1:123456789012:secret:faktulove-AbCdEf',
    ),
    databaseName: 'faktulove',
    migrationsDirectory: FIXTURE_MIGRATIONS,
    ...overrides,
  };
}

/** Creates `DatabaseMigrations` on an imported cluster in a new non-bundling stack and returns its template. */
export function importedTemplate(overrides: Partial<DatabaseMigrationsProps> = {}): { template: Template; migrations: DatabaseMigrations } {
  const { stack } = newStack();
  const migrations = new DatabaseMigrations(stack, 'Migrations', importedProps(stack, overrides));
  return { template: Template.fromStack(stack), migrations };
}

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown>; DependsOn?: string[] }>;

/**
 * The logical id of the migrations function (RDS_MIGRATE_CLUSTER_ARN in its environment), or of its
 * isComplete copy (also RDS_MIGRATE_PROVIDER_HANDLER=isComplete).
 */
export function migrationsFunctionId(template: Template, role: 'onEvent' | 'isComplete' = 'onEvent'): string {
  const functions = Object.entries(template.findResources('AWS::Lambda::Function') as Resources).filter(([, r]) => {
    const env = (r.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables;
    return env !== undefined && 'RDS_MIGRATE_CLUSTER_ARN' in env && (env.RDS_MIGRATE_PROVIDER_HANDLER === 'isComplete') === (role === 'isComplete');
  });
  if (functions.length !== 1) throw new Error(`expected one ${role} migrations function, found ${functions.length}`);
  return functions[0]![0];
}

/** Every IAM statement attached to the role of the given function. */
export function roleStatements(template: Template, functionId: string): Record<string, unknown>[] {
  const fn = template.toJSON().Resources[functionId] as { Properties: { Role: { 'Fn::GetAtt': [string, string] } } };
  return statementsOfRole(template, fn.Properties.Role['Fn::GetAtt'][0]);
}

/** Every IAM statement of the policies attached to a role (by logical id). */
export function statementsOfRole(template: Template, roleId: string): Record<string, unknown>[] {
  const policies = Object.values(template.findResources('AWS::IAM::Policy') as Resources).filter((p) =>
    (p.Properties?.Roles as unknown[]).some((r) => JSON.stringify(r) === JSON.stringify({ Ref: roleId })),
  );
  return policies.flatMap((p) => (p.Properties?.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement);
}
