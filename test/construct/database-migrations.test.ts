import * as fs from 'node:fs';
import * as path from 'node:path';
import { Template, Match } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Duration } from 'aws-cdk-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatabaseMigrations } from '../../lib/database-migrations';
import { RdsMigrateExampleStack } from '../../lib/example-stack';
import { PACKAGE_ROOT } from '../../lib/package-paths';
import { importedProps, importedTemplate, migrationsFunctionId, newApp, newStack, removeTempDirs, roleStatements, statementsOfRole } from './support/stacks';

afterAll(removeTempDirs);

type Resource = { Type: string; Properties: Record<string, unknown>; DependsOn?: string[]; DeletionPolicy?: string; UpdateReplacePolicy?: string };

const FAKTULOVE_MIGRATIONS = path.join(PACKAGE_ROOT, 'examples', 'faktulove', 'migrations');

describe('DatabaseMigrations in the example stack (bundled)', () => {
  let outdir: string;
  let stack: RdsMigrateExampleStack;
  let template: Template;
  let resources: Record<string, Resource>;
  let functionId: string;
  let id: (type: string, prefix: string) => string;

  beforeAll(() => {
    const built = newApp({ bundle: true });
    outdir = built.outdir;
    stack = new RdsMigrateExampleStack(built.app, 'RdsMigrateExampleStack');
    template = Template.fromStack(stack);
    resources = template.toJSON().Resources as Record<string, Resource>;
    functionId = migrationsFunctionId(template);
    id = (type, prefix) => {
      const ids = Object.keys(template.findResources(type)).filter((k) => k.startsWith(prefix));
      if (ids.length !== 1) throw new Error(`expected one ${type} starting with ${prefix}, got ${ids.join(', ')}`);
      return ids[0]!;
    };
  }, 120_000);

  it('creates the function: Node.js 22 on arm64, 14 min, 1024 MB, with the environment the handler reads', () => {
    const clusterId = id('AWS::RDS::DBCluster', 'Cluster');
    const attachmentId = id('AWS::SecretsManager::SecretTargetAttachment', 'Cluster');
    const bucketId = id('AWS::S3::Bucket', 'MigrationsSnapshotBucket');
    expect(resources[functionId]!.Properties).toMatchObject({
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      Timeout: 840,
      MemorySize: 1024,
      Environment: {
        Variables: {
          RDS_MIGRATE_CLUSTER_ARN: {
            'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':rds:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':cluster:', { Ref: clusterId }]],
          },
          RDS_MIGRATE_SECRET_ARN: { Ref: attachmentId },
          RDS_MIGRATE_DATABASE: 'faktulove',
          RDS_MIGRATE_SCHEMAS: 'public',
          RDS_MIGRATE_SNAPSHOT_BUCKET: { Ref: bucketId },
          RDS_MIGRATE_SNAPSHOT_PREFIX: 'snapshots/',
          RDS_MIGRATE_SNAPSHOT_SCOPE: 'full',
          POWERTOOLS_SERVICE_NAME: 'rds-migrate',
          NODE_OPTIONS: '--enable-source-maps',
        },
      },
      LoggingConfig: { LogGroup: { Ref: id('AWS::Logs::LogGroup', 'MigrationsLogGroup') } },
    });
    expect(Object.keys((resources[functionId]!.Properties.Environment as { Variables: object }).Variables)).toHaveLength(9);
  });

  it('deploys the same code asset, role, log group and environment again as the isComplete handler', () => {
    const isCompleteId = migrationsFunctionId(template, 'isComplete');
    const main = resources[functionId]!.Properties;
    const copy = resources[isCompleteId]!.Properties;
    expect(copy.Code).toEqual(main.Code);
    for (const key of ['Handler', 'Runtime', 'Architectures', 'Timeout', 'MemorySize', 'Role', 'LoggingConfig'] as const) expect(copy[key]).toEqual(main[key]);
    const variables = (copy.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(variables).toEqual({ ...(main.Environment as { Variables: Record<string, unknown> }).Variables, RDS_MIGRATE_PROVIDER_HANDLER: 'isComplete' });
  });

  it('bundles index.js with its source map, migrations.json and a CommonJS package.json into the asset', () => {
    const code = resources[functionId]!.Properties.Code as { S3Key: string };
    const assetDir = path.join(outdir, `asset.${code.S3Key.replace(/\.zip$/, '')}`);
    expect(fs.readdirSync(assetDir).sort()).toEqual(['index.js', 'index.js.map', 'migrations.json', 'package.json']);
    expect(JSON.parse(fs.readFileSync(path.join(assetDir, 'package.json'), 'utf8'))).toEqual({ type: 'commonjs' });
    const bundle = JSON.parse(fs.readFileSync(path.join(assetDir, 'migrations.json'), 'utf8')) as {
      checksum: string;
      migrations: { version: string; name: string }[];
    };
    expect(bundle.migrations.map((m) => `${m.version}_${m.name}`)).toEqual(
      fs.readdirSync(FAKTULOVE_MIGRATIONS).filter((f) => /^\d/.test(f)).sort(),
    );
    expect(bundle.checksum).toBe(stack.migrations.migrationsChecksum);
    // The AWS SDK is bundled, not left to the runtime.
    const index = fs.readFileSync(path.join(assetDir, 'index.js'), 'utf8');
    expect(index).toContain('ExecuteStatementCommand');
    expect(index).not.toMatch(/require\("@aws-sdk\/client-/);
    expect(index).toMatch(/sourceMappingURL=index\.js\.map/);
  });

  it('runs the migration as a custom resource with the bundle checksum and code hash, after the cluster, its writer and secret', () => {
    const customResources = Object.entries(resources).filter(([, r]) => r.Type === 'Custom::RdsMigrate');
    expect(customResources).toHaveLength(1);
    const [, resource] = customResources[0]!;
    const code = resources[functionId]!.Properties.Code as { S3Key: string };
    expect(resource.Properties).toEqual({
      ServiceToken: { 'Fn::GetAtt': [expect.stringMatching(/^MigrationsProviderframeworkonEvent/), 'Arn'] },
      // The 45-minute deploy limit + 10 minutes: CloudFormation gives up before its one-hour limit.
      ServiceTimeout: '3300',
      MigrationsChecksum: stack.migrations.migrationsChecksum,
      // The code asset's hash: the S3 key CloudFormation deploys the function from.
      HandlerCodeHash: code.S3Key.replace(/\.zip$/, ''),
      DatabaseName: 'faktulove',
      Schemas: 'public',
      OnRollback: 'retain',
      FinalSnapshot: 'false',
      DeployTimeoutSeconds: '2700',
    });
    expect(stack.migrations.handlerCodeHash).toMatch(/^[0-9a-f]{64}$/);
    expect(stack.migrations.migrationVersions.length).toBeGreaterThanOrEqual(2);
    expect(stack.migrations.migrationsChecksum).toMatch(/^[0-9a-f]{64}$/);
    expect(resource.DependsOn).toEqual(
      expect.arrayContaining([
        id('AWS::RDS::DBCluster', 'Cluster'),
        id('AWS::RDS::DBInstance', 'ClusterWriter'),
        id('AWS::SecretsManager::SecretTargetAttachment', 'Cluster'),
        id('AWS::SecretsManager::Secret', ''),
      ]),
    );
    // The Provider framework's onEvent function calls ours; its isComplete function our copy, polled by
    // the waiter state machine every 10 s for at most 50 minutes (45 + 5).
    const providerFn = resources[(resource.Properties.ServiceToken as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0]]!;
    expect(providerFn.Properties.Environment).toEqual({ Variables: { USER_ON_EVENT_FUNCTION_ARN: { 'Fn::GetAtt': [functionId, 'Arn'] }, USER_IS_COMPLETE_FUNCTION_ARN: { 'Fn::GetAtt': [migrationsFunctionId(template, 'isComplete'), 'Arn'] }, WAITER_STATE_MACHINE_ARN: { Ref: id('AWS::StepFunctions::StateMachine', 'MigrationsProviderwaiterstatemachine') } } });
    const machine = resources[id('AWS::StepFunctions::StateMachine', 'MigrationsProviderwaiterstatemachine')]!;
    const definition = JSON.stringify(machine.Properties.DefinitionString);
    expect(definition).toContain('\\"IntervalSeconds\\":10');
    expect(definition).toContain('\\"MaxAttempts\\":300');
  });

  it('grants exactly the Data API on the cluster, the secret, and the snapshot prefix', () => {
    const clusterArn = (resources[functionId]!.Properties.Environment as { Variables: Record<string, unknown> }).Variables.RDS_MIGRATE_CLUSTER_ARN;
    const bucketId = id('AWS::S3::Bucket', 'MigrationsSnapshotBucket');
    const bucketArn = { 'Fn::GetAtt': [bucketId, 'Arn'] };
    const statements = sortedActions(roleStatements(template, functionId));
    expect(statements).toEqual(
      expect.arrayContaining([
        {
          Effect: 'Allow',
          Action: [
            'rds-data:BatchExecuteStatement',
            'rds-data:BeginTransaction',
            'rds-data:CommitTransaction',
            'rds-data:ExecuteStatement',
            'rds-data:RollbackTransaction',
          ],
          Resource: clusterArn,
        },
        {
          Effect: 'Allow',
          Action: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'],
          Resource: { Ref: id('AWS::SecretsManager::SecretTargetAttachment', 'Cluster') },
        },
        {
          Effect: 'Allow',
          Action: ['s3:AbortMultipartUpload', 's3:DeleteObject', 's3:GetObject', 's3:ListMultipartUploadParts', 's3:PutObject'],
          Resource: { 'Fn::Join': ['', [bucketArn, '/snapshots/*']] },
        },
        {
          Effect: 'Allow',
          Action: 's3:ListBucket',
          Resource: bucketArn,
          Condition: { StringLike: { 's3:prefix': ['snapshots/*'] } },
        },
        {
          Effect: 'Allow',
          Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          Resource: { 'Fn::GetAtt': [id('AWS::Logs::LogGroup', 'MigrationsLogGroup'), 'Arn'] },
        },
      ]),
    );
    // Nothing else: no wildcard actions or resources, no other service, no managed policy.
    const actions = statements.flatMap((s) => [s.Action].flat() as string[]);
    expect(actions.filter((a) => !/^(rds-data|secretsmanager|s3|logs):[A-Za-z]+$/.test(a))).toEqual([]);
    expect(statements.filter((s) => s.Resource === '*')).toEqual([]);
    expect(JSON.stringify(template.toJSON())).not.toContain('"rds-data:*"');
    expect(statements).toHaveLength(5);
    const role = resources[(resources[functionId]!.Properties.Role as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0]]!;
    expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    // No lambda:InvokeFunction on itself: the isComplete polls continue the work, nothing is invoked asynchronously.
    expect(actions.filter((a) => a.startsWith('lambda:'))).toEqual([]);
  });

  it('keeps snapshots in an encrypted, TLS-only, private, versioned bucket that outlives the stack', () => {
    const bucketId = id('AWS::S3::Bucket', 'MigrationsSnapshotBucket');
    const bucket = resources[bucketId]!;
    expect(bucket.DeletionPolicy).toBe('Retain');
    expect(bucket.UpdateReplacePolicy).toBe('Retain');
    expect(bucket.Properties).toMatchObject({
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      VersioningConfiguration: { Status: 'Enabled' },
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: bucketId },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Action: 's3:*', Principal: { AWS: '*' }, Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('verifies every 6 hours with {"action":"verify","source":"schedule"}', () => {
    const rules = Object.values(template.findResources('AWS::Events::Rule')) as Resource[];
    expect(rules).toHaveLength(1);
    const props = rules[0]!.Properties as { ScheduleExpression: string; State: string; Targets: { Arn: unknown; Input: string }[] };
    expect(props.ScheduleExpression).toBe('rate(6 hours)');
    expect(props.State).toBe('ENABLED');
    expect(props.Targets).toHaveLength(1);
    expect(props.Targets[0]!.Arn).toEqual({ 'Fn::GetAtt': [functionId, 'Arn'] });
    expect(JSON.parse(props.Targets[0]!.Input)).toEqual({ action: 'verify', source: 'schedule' });
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      FunctionName: { 'Fn::GetAtt': [functionId, 'Arn'] },
      Principal: 'events.amazonaws.com',
    });
  });

  it('outputs the function and bucket names, on a Serverless v2 Aurora PostgreSQL 16 cluster with the Data API', () => {
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(outputs.MigrationsFunctionName!.Value).toEqual({ Ref: functionId });
    expect(outputs.SnapshotBucketName!.Value).toEqual({ Ref: id('AWS::S3::Bucket', 'MigrationsSnapshotBucket') });
    template.hasResourceProperties('AWS::RDS::DBCluster', {
      Engine: 'aurora-postgresql',
      EngineVersion: Match.stringLikeRegexp('^16\\.'),
      EnableHttpEndpoint: true,
      DatabaseName: 'faktulove',
      ServerlessV2ScalingConfiguration: { MinCapacity: 0, MaxCapacity: 2 },
    });
    template.hasResourceProperties('AWS::RDS::DBInstance', { DBInstanceClass: 'db.serverless' });
  });
});

describe('DatabaseMigrations on imported resources (template only)', () => {
  it('scopes the grants to an imported cluster ARN, secret and bucket prefix, and creates no bucket', () => {
    const { stack } = newStack();
    const bucket = s3.Bucket.fromBucketName(stack, 'Existing', 'faktulove-backups');
    const migrations = new DatabaseMigrations(stack, 'Migrations', importedProps(stack, { snapshotBucket: bucket, snapshotPrefix: 'db/faktulove/' }));
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::S3::Bucket', 0);
    expect(migrations.snapshotBucket).toBe(bucket);
    const functionId = migrationsFunctionId(template);
    const statements = sortedActions(roleStatements(template, functionId));
    expect(statements).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ Action: expect.arrayContaining(['rds-data:ExecuteStatement']), Resource: 'arn:aws:rds:eu-central-1:123456789012:cluster:faktulove' }),
        expect.objectContaining({
          Action: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'],
          Resource: 'arn:aws:secretsmanager:eu-central-1:123456789012:secret:faktulove-AbCdEf',
        }),
        expect.objectContaining({
          Action: expect.arrayContaining(['s3:PutObject']),
          Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::faktulove-backups/db/faktulove/*']] },
        }),
        expect.objectContaining({ Action: 's3:ListBucket', Condition: { StringLike: { 's3:prefix': ['db/faktulove/*'] } } }),
      ]),
    );
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ RDS_MIGRATE_SNAPSHOT_BUCKET: 'faktulove-backups', RDS_MIGRATE_SNAPSHOT_PREFIX: 'db/faktulove/' }) },
    });
    // An imported cluster has nothing to wait for.
    const custom = Object.values(template.findResources('Custom::RdsMigrate'))[0] as Resource;
    expect(custom.DependsOn ?? []).toEqual([]);
  });

  it('passes schemas, sizing and a custom schedule through; verificationSchedule false creates no rule', () => {
    const { template } = importedTemplate({
      schemas: ['public', 'billing'],
      timeout: Duration.minutes(5),
      memorySize: 2048,
      verificationSchedule: events.Schedule.cron({ minute: '0', hour: '3' }),
      verificationMissedAfter: Duration.days(2),
      targetVersion: '0001',
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Timeout: 300,
      MemorySize: 2048,
      Environment: { Variables: Match.objectLike({ RDS_MIGRATE_SCHEMAS: 'public,billing' }) },
    });
    template.hasResourceProperties('Custom::RdsMigrate', { Schemas: 'public,billing', ServiceTimeout: '3300', TargetVersion: '0001' });
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'cron(0 3 * * ? *)' });
    const { template: unscheduled, migrations } = importedTemplate({ verificationSchedule: false });
    unscheduled.resourceCountIs('AWS::Events::Rule', 0);
    expect(migrations.verificationRule).toBeUndefined();
  });

  it('grants invoke to operators, also through an imported deployment', () => {
    const { stack } = newStack();
    const migrations = new DatabaseMigrations(stack, 'Migrations', importedProps(stack));
    const operators = new iam.Role(stack, 'Operators', { assumedBy: new iam.AccountRootPrincipal() });
    const grant = migrations.grantInvoke(operators);
    expect(grant.success).toBe(true);
    const imported = DatabaseMigrations.fromDatabaseMigrationsAttributes(stack, 'Imported', {
      functionArn: 'arn:aws:lambda:eu-central-1:123456789012:function:rds-migrate',
    });
    imported.grantInvoke(operators);
    const template = Template.fromStack(stack);
    const functionId = migrationsFunctionId(template);
    const operatorsId = Object.keys(template.findResources('AWS::IAM::Role')).find((k) => k.startsWith('Operators'))!;
    const statements = statementsOfRole(template, operatorsId);
    expect(statements).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ Action: 'lambda:InvokeFunction', Resource: expect.arrayContaining([{ 'Fn::GetAtt': [functionId, 'Arn'] }]) }),
        expect.objectContaining({
          Action: 'lambda:InvokeFunction',
          Resource: expect.arrayContaining(['arn:aws:lambda:eu-central-1:123456789012:function:rds-migrate']),
        }),
      ]),
    );
  });
});

/** The statements with each Action list sorted, to compare them regardless of CDK's ordering. */
function sortedActions(statements: Record<string, unknown>[]): Record<string, unknown>[] {
  return statements.map((s) => (Array.isArray(s.Action) ? { ...s, Action: [...(s.Action as string[])].sort() } : s));
}
