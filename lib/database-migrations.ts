import * as fs from 'node:fs';
import * as path from 'node:path';
import { CustomResource, Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import type { MigrationLayout } from '../lambda/migrations/readers/layouts';
import { DATABASE_MIGRATIONS_DEFAULTS, type DatabaseMigrationsProps } from './database-migrations-props';
import { DatabaseMigrationsError } from './errors';
import { functionEnvironment } from './function-environment';
import { grantDataApi, grantSnapshotAccess } from './grants';
import { compileMigrations, MigrationsCompileError, type CompiledMigrations } from './migrations-compiler';
import { createExecutionRole, createMigrationsFunction } from './migrations-function';
import { acknowledgeDeliberateFindings } from './nag-acknowledgments';
import { createSnapshotBucket } from './snapshot-bucket';
import {
  validateClusterProps,
  validateDatabaseName,
  validateFunctionSizing,
  validateMigrationsDirectory,
  validateMigrationsLayout,
  validateSchemas,
  validateSnapshotPrefix,
  validateTargetVersion,
} from './validate-props';

/** CloudFormation type of the migration custom resource. */
export const MIGRATION_RESOURCE_TYPE = 'Custom::RdsMigrate';

/** How long after the function's timeout CloudFormation gives up on the migration resource, in minutes. */
const SERVICE_TIMEOUT_MARGIN_MINUTES = 5;

/** The event the verification schedule sends the function. */
export const SCHEDULED_VERIFY_EVENT = { action: 'verify', source: 'schedule' } as const;

/** A migrations deployment, defined in this app or imported: what operators need to run it. */
export interface IDatabaseMigrations {
  /** The migrations function. */
  readonly function: lambda.IFunction;
  /** Grants `lambda:InvokeFunction` on the migrations function (run a snapshot, verify, restore by hand). */
  grantInvoke(grantee: iam.IGrantable): iam.Grant;
}

/** What identifies an existing migrations deployment (e.g. from another stack's outputs). */
export interface DatabaseMigrationsAttributes {
  /** ARN of the migrations function. */
  readonly functionArn: string;
}

/**
 * Migrates an Aurora PostgreSQL database over the RDS Data API on every deployment, from a folder
 * of SQL migrations bundled into one Lambda function.
 *
 * What it creates:
 * - the migrations function (Node.js 22, arm64; `lambda/handler.ts` bundled with esbuild, AWS SDK
 *   included, source maps on, the migrations compiled into `migrations.json` beside `index.js`);
 * - a custom resource (`Custom::RdsMigrate`, through the CDK Provider framework) that runs the
 *   function on create and update: snapshot to S3, apply the pending migrations, verify. Its
 *   `MigrationsChecksum` property is the bundle's checksum, so a changed or added migration
 *   re-runs it. It depends on the cluster, so it runs once the database exists;
 * - an EventBridge rule that runs the verification queries on a schedule (every 6 hours by default);
 * - the snapshot bucket, unless one is given (encrypted, TLS only, private, versioned, retained);
 * - least-privilege grants: the Data API on this cluster only, this secret only, the snapshot
 *   prefix only.
 *
 * The migrations folder is compiled in the constructor: a migration that does not parse fails
 * `cdk synth` with the compiler's message (file and line).
 *
 * Deploying: `npx cdk bootstrap` once per account and region, then `npx cdk deploy`. A failed
 * migration fails the deployment and CloudFormation rolls the stack back; the snapshot taken
 * before it stays in the bucket.
 *
 * @example
 * const migrations = new DatabaseMigrations(this, 'Migrations', {
 *   cluster,                                // rds.DatabaseCluster with enableDataApi: true
 *   secret: cluster.secret!,
 *   databaseName: 'faktulove',
 *   migrationsDirectory: path.join(__dirname, '../migrations'),
 * });
 * migrations.grantInvoke(operatorsRole);
 */
export class DatabaseMigrations extends Construct implements IDatabaseMigrations {
  /**
   * Imports a migrations deployment by its function ARN, to grant invoke on it from another stack.
   */
  static fromDatabaseMigrationsAttributes(scope: Construct, id: string, attrs: DatabaseMigrationsAttributes): IDatabaseMigrations {
    return new ImportedDatabaseMigrations(scope, id, attrs);
  }

  /** The migrations function. */
  readonly function: lambda.IFunction;
  /** The bucket snapshots are written to (under `snapshotPrefix`). */
  readonly snapshotBucket: s3.IBucket;
  /** Key prefix of the snapshots in `snapshotBucket`, ending in `/`. */
  readonly snapshotPrefix: string;
  /** The migration custom resource; add dependencies on it for resources that need the migrated schema. */
  readonly customResource: CustomResource;
  /** The verification schedule, unless `verificationSchedule: false`. */
  readonly verificationRule?: events.Rule;
  /** Checksum (sha256 hex) of the compiled migrations: the custom resource's `MigrationsChecksum`. */
  readonly migrationsChecksum: string;
  /** Versions of the bundled migrations, ascending. */
  readonly migrationVersions: readonly string[];

  /**
   * @throws DatabaseMigrationsError when a prop is invalid (the message names the prop) or the
   *         migrations folder does not compile (prop `migrationsDirectory`, the compiler's message)
   */
  constructor(scope: Construct, id: string, props: DatabaseMigrationsProps) {
    super(scope, id);

    validateClusterProps(this, props);
    validateDatabaseName(this, props.databaseName);
    const migrationsDirectory = validateMigrationsDirectory(this, props.migrationsDirectory);
    const migrationsLayout = props.migrationsLayout ?? DATABASE_MIGRATIONS_DEFAULTS.migrationsLayout;
    validateMigrationsLayout(this, migrationsLayout);
    const schemas = props.schemas ?? [...DATABASE_MIGRATIONS_DEFAULTS.schemas];
    validateSchemas(this, schemas);
    const snapshotPrefix = props.snapshotPrefix ?? DATABASE_MIGRATIONS_DEFAULTS.snapshotPrefix;
    validateSnapshotPrefix(this, snapshotPrefix);
    const timeout = props.timeout ?? Duration.minutes(DATABASE_MIGRATIONS_DEFAULTS.timeoutMinutes);
    const memorySize = props.memorySize ?? DATABASE_MIGRATIONS_DEFAULTS.memorySizeMb;
    validateFunctionSizing(this, timeout.toSeconds(), memorySize);

    const compiled = this.compile(migrationsDirectory, migrationsLayout);
    const clusterArn = props.cluster?.clusterArn ?? (props.clusterArn as string);
    const createdBucket = props.snapshotBucket ? undefined : createSnapshotBucket(this, 'SnapshotBucket');
    this.snapshotBucket = props.snapshotBucket ?? createdBucket!;
    this.snapshotPrefix = snapshotPrefix;
    this.migrationsChecksum = compiled.checksum;
    this.migrationVersions = compiled.versions;

    const logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS,
    });
    const role = createExecutionRole(this, 'ServiceRole', logGroup);
    try {
      validateTargetVersion(this, props.targetVersion, compiled.versions);
      this.function = createMigrationsFunction(this, 'Function', {
        bundleFile: compiled.bundleFile,
        timeout,
        memorySize,
        logGroup,
        role,
        environment: functionEnvironment({
          clusterArn,
          secretArn: props.secret.secretArn,
          databaseName: props.databaseName,
          schemas,
          snapshotBucketName: this.snapshotBucket.bucketName,
          snapshotPrefix,
        }),
      });
    } finally {
      // Bundling ran in the function's constructor: the compiled bundle is in the asset now (or
      // the constructor failed and nothing needs it).
      fs.rmSync(path.dirname(compiled.bundleFile), { recursive: true, force: true });
    }

    grantDataApi(this.function, clusterArn);
    props.secret.grantRead(this.function);
    grantSnapshotAccess(this.function, this.snapshotBucket, snapshotPrefix);

    const provider = new cr.Provider(this, 'Provider', {
      onEventHandler: this.function,
      logGroup: new logs.LogGroup(this, 'ProviderLogGroup', {
        retention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS,
      }),
    });
    this.customResource = new CustomResource(this, 'Migration', {
      serviceToken: provider.serviceToken,
      resourceType: MIGRATION_RESOURCE_TYPE,
      // The Provider framework's own function also times out at 15 minutes, and it started first: if
      // ours runs to the end of a 15-minute timeout, no answer reaches CloudFormation, which would
      // then wait its default hour. Fail the deployment a few minutes after our timeout instead.
      serviceTimeout: timeout.plus(Duration.minutes(SERVICE_TIMEOUT_MARGIN_MINUTES)),
      properties: {
        MigrationsChecksum: compiled.checksum,
        DatabaseName: props.databaseName,
        Schemas: schemas.join(','),
        ...(props.targetVersion !== undefined ? { TargetVersion: props.targetVersion } : {}),
      },
    });
    if (props.cluster) {
      // The cluster's subtree: its instances, subnet group and secret attachment.
      this.customResource.node.addDependency(props.cluster);
    }
    this.customResource.node.addDependency(props.secret);

    acknowledgeDeliberateFindings({
      function: this.function,
      role,
      snapshotObjectsArn: this.snapshotBucket.arnForObjects(`${snapshotPrefix}*`),
      provider,
      functionArn: this.function.functionArn,
      createdBucket,
    });

    if (props.verificationSchedule !== false) {
      this.verificationRule = new events.Rule(this, 'VerificationSchedule', {
        description: 'rds-migrate: run the verification queries',
        schedule:
          props.verificationSchedule ?? events.Schedule.rate(Duration.hours(DATABASE_MIGRATIONS_DEFAULTS.verificationScheduleHours)),
        targets: [
          new targets.LambdaFunction(this.function, {
            event: events.RuleTargetInput.fromObject(SCHEDULED_VERIFY_EVENT),
            retryAttempts: 2,
            maxEventAge: Duration.hours(1),
          }),
        ],
      });
    }
  }

  /** Grants `lambda:InvokeFunction` on the migrations function (for operators and runbooks). */
  grantInvoke(grantee: iam.IGrantable): iam.Grant {
    return this.function.grantInvoke(grantee);
  }

  private compile(migrationsDirectory: string, layout: MigrationLayout | 'auto'): CompiledMigrations {
    try {
      return compileMigrations(migrationsDirectory, layout);
    } catch (error) {
      if (error instanceof MigrationsCompileError) {
        throw new DatabaseMigrationsError('migrationsDirectory', `does not compile (${migrationsDirectory}):\n${error.message}`, this);
      }
      throw error;
    }
  }
}

class ImportedDatabaseMigrations extends Construct implements IDatabaseMigrations {
  readonly function: lambda.IFunction;
  private readonly functionArn: string;

  constructor(scope: Construct, id: string, attrs: DatabaseMigrationsAttributes) {
    super(scope, id);
    this.functionArn = attrs.functionArn;
    this.function = lambda.Function.fromFunctionArn(this, 'Function', attrs.functionArn);
  }

  /**
   * An identity policy on the grantee only (the imported function's resource policy cannot be
   * changed from here): enough in the function's own account.
   */
  grantInvoke(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['lambda:InvokeFunction'],
      resourceArns: [this.functionArn, `${this.functionArn}:*`],
    });
  }
}
