import * as path from 'node:path';
import { CfnOutput, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as rds from 'aws-cdk-lib/aws-rds';
import type { Construct } from 'constructs';
import { DatabaseMigrations } from './database-migrations';
import type { DatabaseMigrationsProps } from './database-migrations-props';
import { PACKAGE_ROOT } from './package-paths';

/** The cdk-nag AwsSolutions findings on the example's own VPC and cluster, each a choice of the example. */
function acknowledgeExampleFindings(vpc: ec2.Vpc, cluster: rds.DatabaseCluster): void {
  Validations.of(vpc).acknowledge({
    id: 'AwsSolutions::AwsSolutions-VPC7',
    reason: 'Example VPC with isolated subnets for the cluster only; add flow logs in a production network.',
  });
  Validations.of(cluster).acknowledge(
    {
      id: 'AwsSolutions::AwsSolutions-SMG4',
      reason: 'Example: rotation needs a Secrets Manager endpoint in the isolated VPC; the Data API reads the secret per call, so rotation can be added.',
    },
    { id: 'AwsSolutions::AwsSolutions-RDS6', reason: 'The RDS Data API authenticates with the Secrets Manager secret, not IAM database authentication.' },
    {
      id: 'AwsSolutions::AwsSolutions-RDS10',
      reason: 'Example: deletion protection is off so `cdk destroy` works; the removal policy keeps a final snapshot.',
    },
  );
}

/** Props of the example stack. */
export interface RdsMigrateExampleStackProps extends StackProps {
  /**
   * The migrations folder.
   *
   * @default examples/faktulove/migrations of this package
   */
  readonly migrationsDirectory?: string;
  /**
   * Name of the database created in the cluster and migrated.
   *
   * @default 'faktulove'
   */
  readonly databaseName?: string;
  /**
   * More `DatabaseMigrations` props (rollback policy, alarms, snapshot options, ...).
   *
   * @default - the construct's defaults
   */
  readonly migrations?: Partial<Omit<DatabaseMigrationsProps, 'cluster' | 'clusterArn' | 'secret' | 'databaseName' | 'migrationsDirectory'>>;
}

/**
 * The example deployment (`bin/app.ts`): a VPC with isolated subnets only (the Data API needs no
 * network path from the function), an Aurora PostgreSQL 16 Serverless v2 cluster scaling from
 * 0 ACU (paused when idle; the Data API answers DatabaseResumingException while it resumes) to
 * 2 ACU, with the Data API on and a generated master secret, and `DatabaseMigrations` applying the
 * FaktuLove migrations to its `faktulove` database.
 *
 * Outputs: `MigrationsFunctionName`, `SnapshotBucketName`, `ClusterArn`, `SecretArn`.
 */
export class RdsMigrateExampleStack extends Stack {
  readonly cluster: rds.DatabaseCluster;
  readonly migrations: DatabaseMigrations;

  constructor(scope: Construct, id: string, props: RdsMigrateExampleStackProps = {}) {
    super(scope, id, props);
    const databaseName = props.databaseName ?? 'faktulove';

    const vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: 0,
      subnetConfiguration: [{ name: 'database', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 }],
    });

    this.cluster = new rds.DatabaseCluster(this, 'Cluster', {
      engine: rds.DatabaseClusterEngine.auroraPostgres({ version: rds.AuroraPostgresEngineVersion.VER_16_6 }),
      writer: rds.ClusterInstance.serverlessV2('Writer'),
      serverlessV2MinCapacity: 0,
      serverlessV2MaxCapacity: 2,
      vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      credentials: rds.Credentials.fromGeneratedSecret('postgres'),
      defaultDatabaseName: databaseName,
      enableDataApi: true,
      storageEncrypted: true,
    });
    const secret = this.cluster.secret;
    if (!secret) throw new Error('RdsMigrateExampleStack: the cluster has no secret');
    acknowledgeExampleFindings(vpc, this.cluster);

    this.migrations = new DatabaseMigrations(this, 'Migrations', {
      cluster: this.cluster,
      secret,
      databaseName,
      migrationsDirectory: props.migrationsDirectory ?? path.join(PACKAGE_ROOT, 'examples', 'faktulove', 'migrations'),
      ...props.migrations,
    });

    new CfnOutput(this, 'MigrationsFunctionName', {
      description: 'The migrations function: aws lambda invoke --function-name <this> --payload \'{"action":"verify"}\'',
      value: this.migrations.function.functionName,
    });
    new CfnOutput(this, 'SnapshotBucketName', {
      description: 'The bucket the snapshots are written to',
      value: this.migrations.snapshotBucket.bucketName,
    });
    new CfnOutput(this, 'ClusterArn', { value: this.cluster.clusterArn });
    new CfnOutput(this, 'SecretArn', { value: secret.secretArn });
  }
}
