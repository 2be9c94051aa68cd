import * as fs from 'node:fs';
import * as path from 'node:path';
import { Annotations, CustomResource, Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { MigrationLayout } from '../lambda/migrations/readers/layouts';
import { DATABASE_MIGRATIONS_DEFAULTS, type DatabaseMigrationsProps, type MigrationsLintOptions } from './database-migrations-props';
import { DatabaseMigrationsError } from './errors';
import { functionEnvironment } from './function-environment';
import { snapshotBudgetSettings } from './snapshot-budget-settings';
import { grantDataApi, grantSnapshotAccess, grantSnapshotKey } from './grants';
import { compileMigrations, MigrationsCompileError, type CompiledMigrations } from './migrations-compiler';
import { createExecutionRole, createIsCompleteFunction, createMigrationsFunction, handlerCodeHash } from './migrations-function';
import { lintAtSynth, MigrationsLintError } from './migrations-lint';
import { createMigrationProvider } from './migration-provider';
import { acknowledgeDeliberateFindings } from './nag-acknowledgments';
import { createSnapshotBucket } from './snapshot-bucket';
import {
  validateAlarmOptions,
  validateClusterProps,
  validateDatabaseName,
  validateDeployTimeout,
  validateFunctionSizing,
  validateMigrationsDirectory,
  validateMigrationsLayout,
  validateOnRollback,
  validateSchemas,
  validateSnapshotOptions,
  validateSnapshotPrefix,
  validateTargetVersion,
  validateBaselineVersion,
} from './validate-props';
import { VerificationAlarms } from './verification-alarms';

/** CloudFormation type of the migration custom resource. */
export const MIGRATION_RESOURCE_TYPE = 'Custom::RdsMigrate';

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
 *   included, source maps on, the migrations compiled into `migrations.json` beside `index.js`), and
 *   the same code deployed a second time as the Provider framework's isComplete handler;
 * - a custom resource (`Custom::RdsMigrate`, through the CDK Provider framework in its asynchronous
 *   form) that runs on create and update: snapshot to S3, apply the pending migrations, verify; a run
 *   longer than one invocation is continued by the isComplete polls, up to `deployTimeout`. Its
 *   `MigrationsChecksum` and `HandlerCodeHash` properties change with any migration file or with the
 *   function's code, so either re-runs it; its physical id stays `rds-migrate:<database>`. A stack
 *   rollback is recognised and handled as `onRollback` says; a delete never touches the database
 *   (with `finalSnapshot`, it takes a snapshot first). It depends on the cluster, so it runs once the
 *   database exists;
 * - an EventBridge rule that runs the verification queries on a schedule (every 6 hours by default),
 *   and CloudWatch alarms on failing verifications and on verifications that stopped running, with
 *   an SNS topic or email subscription when given;
 * - the snapshot bucket, unless one is given (encrypted, TLS only, private, versioned, retained;
 *   optional retention and KMS key);
 * - least-privilege grants: the Data API on this cluster only, this secret only, the snapshot
 *   prefix only.
 *
 * The migrations folder is compiled and linted in the constructor: a migration that does not parse,
 * or a lint finding at or above `lint.failOn`, fails `cdk synth` with the messages (file and line).
 *
 * Deploying: `npx cdk bootstrap` once per account and region, then `npx cdk deploy`. A failed
 * migration or verification fails the deployment with a reason naming the migration, file, line and
 * SQLSTATE (or the failing checks) and the log group; CloudFormation rolls the stack back, and the
 * snapshot taken before it stays in the bucket.
 *
 * @example
 * const migrations = new DatabaseMigrations(this, 'Migrations', {
 *   cluster,                                // rds.DatabaseCluster with enableDataApi: true
 *   secret: cluster.secret!,
 *   databaseName: 'faktulove',
 *   migrationsDirectory: path.join(__dirname, '../migrations'),
 *   alarmEmail: 'dba@example.com',
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

  /** The migrations function (the console's, the schedule's, and the Provider framework's onEvent handler). */
  readonly function: lambda.IFunction;
  /** The same code as the Provider framework's isComplete handler: continues long deployments. */
  readonly isCompleteFunction: lambda.IFunction;
  /** The bucket snapshots are written to (under `snapshotPrefix`). */
  readonly snapshotBucket: s3.IBucket;
  /** Key prefix of the snapshots in `snapshotBucket`, ending in `/`. */
  readonly snapshotPrefix: string;
  /** The migration custom resource; add dependencies on it for resources that need the migrated schema. */
  readonly customResource: CustomResource;
  /** The verification schedule, unless `verificationSchedule: false`. */
  readonly verificationRule?: events.Rule;
  /** The alarms on the verification metrics (and the topic they notify, when there is one). */
  readonly alarms: VerificationAlarms;
  /** Checksum (sha256 hex) of the compiled migrations: the custom resource's `MigrationsChecksum`. */
  readonly migrationsChecksum: string;
  /** Hash of the function's code asset: the custom resource's `HandlerCodeHash`. */
  readonly handlerCodeHash: string;
  /** Versions of the bundled migrations, ascending. */
  readonly migrationVersions: readonly string[];

  /**
   * @throws DatabaseMigrationsError when a prop is invalid (the message names the prop), the
   *         migrations folder does not compile (prop `migrationsDirectory`, the compiler's message),
   *         or the linter reports findings at or above `lint.failOn` (prop `migrationsDirectory`, the
   *         findings one per line)
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
    validateSnapshotOptions(this, props);
    const snapshotBudget = snapshotBudgetSettings(this, props);
    const timeout = props.timeout ?? Duration.minutes(DATABASE_MIGRATIONS_DEFAULTS.timeoutMinutes);
    const memorySize = props.memorySize ?? DATABASE_MIGRATIONS_DEFAULTS.memorySizeMb;
    validateFunctionSizing(this, timeout.toSeconds(), memorySize);
    const onRollback = props.onRollback ?? DATABASE_MIGRATIONS_DEFAULTS.onRollback;
    validateOnRollback(this, onRollback);
    const deployTimeout = props.deployTimeout ?? Duration.minutes(DATABASE_MIGRATIONS_DEFAULTS.deployTimeoutMinutes);
    validateDeployTimeout(this, deployTimeout);
    const schedule =
      props.verificationSchedule === false
        ? undefined
        : (props.verificationSchedule ?? events.Schedule.rate(Duration.hours(DATABASE_MIGRATIONS_DEFAULTS.verificationScheduleHours)));
    const missedRunPeriodSeconds = validateAlarmOptions(this, props, schedule);

    const compiled = this.compile(migrationsDirectory, migrationsLayout);
    const clusterArn = props.cluster?.clusterArn ?? (props.clusterArn as string);
    const createdBucket = props.snapshotBucket
      ? undefined
      : createSnapshotBucket(this, 'SnapshotBucket', {
          prefix: snapshotPrefix,
          ...(props.snapshotEncryptionKey ? { encryptionKey: props.snapshotEncryptionKey } : {}),
          ...(props.snapshotRetention ? { retention: props.snapshotRetention } : {}),
        });
    this.snapshotBucket = props.snapshotBucket ?? createdBucket!;
    this.snapshotPrefix = snapshotPrefix;
    this.migrationsChecksum = compiled.checksum;
    this.migrationVersions = compiled.versions;

    const logRetention = props.logRetention ?? logs.RetentionDays.THREE_MONTHS;
    const logGroup = new logs.LogGroup(this, 'LogGroup', { retention: logRetention });
    const role = createExecutionRole(this, 'ServiceRole', logGroup);
    const functionOptions = {
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
        snapshotScope: props.snapshotScope ?? DATABASE_MIGRATIONS_DEFAULTS.snapshotScope,
        ...(props.snapshotsToKeep !== undefined ? { snapshotsToKeep: props.snapshotsToKeep } : {}),
        snapshotBudget,
      }),
    };
    let mainFunction: lambda.Function;
    try {
      validateTargetVersion(this, props.targetVersion, compiled.versions);
      validateBaselineVersion(this, props.baselineVersion, props.targetVersion, compiled.versions);
      this.lint(migrationsDirectory, compiled.bundleFile, migrationsLayout, props.lint ?? {});
      mainFunction = createMigrationsFunction(this, 'Function', functionOptions);
    } finally {
      // Bundling ran in the function's constructor: the compiled bundle is in the asset now (or
      // the constructor failed and nothing needs it).
      fs.rmSync(path.dirname(compiled.bundleFile), { recursive: true, force: true });
    }
    this.function = mainFunction;
    this.isCompleteFunction = createIsCompleteFunction(this, 'IsCompleteFunction', mainFunction, functionOptions);
    this.handlerCodeHash = handlerCodeHash(mainFunction);

    // Both functions share the role: these grants cover them.
    grantDataApi(role, clusterArn);
    props.secret.grantRead(role);
    grantSnapshotAccess(role, this.snapshotBucket, snapshotPrefix);
    if (props.snapshotEncryptionKey && this.snapshotBucket.encryptionKey !== props.snapshotEncryptionKey) {
      grantSnapshotKey(role, props.snapshotEncryptionKey);
    }

    const { provider, serviceTimeout } = createMigrationProvider(
      this,
      'Provider',
      { onEvent: this.function, isComplete: this.isCompleteFunction, logRetention },
      deployTimeout,
    );
    this.customResource = new CustomResource(this, 'Migration', {
      serviceToken: provider.serviceToken,
      resourceType: MIGRATION_RESOURCE_TYPE,
      // CloudFormation gives up on the resource after this even without an answer: the deploy limit
      // (enforced by the function, with a reason) plus the framework's margin, at most an hour.
      serviceTimeout,
      properties: {
        MigrationsChecksum: compiled.checksum,
        HandlerCodeHash: this.handlerCodeHash,
        DatabaseName: props.databaseName,
        Schemas: schemas.join(','),
        OnRollback: onRollback,
        FinalSnapshot: String(props.finalSnapshot ?? false),
        DeployTimeoutSeconds: String(deployTimeout.toSeconds()),
        ...(props.targetVersion !== undefined ? { TargetVersion: props.targetVersion } : {}),
        ...(props.baselineVersion !== undefined ? { BaselineVersion: props.baselineVersion } : {}),
      },
    });
    if (props.cluster) {
      // The cluster's subtree: its instances, subnet group and secret attachment.
      this.customResource.node.addDependency(props.cluster);
    }
    this.customResource.node.addDependency(props.secret);

    this.alarms = new VerificationAlarms(this, 'Alarms', {
      databaseName: props.databaseName,
      ...(missedRunPeriodSeconds !== undefined ? { missedRunPeriodSeconds } : {}),
      ...(props.alarmTopic ? { topic: props.alarmTopic } : {}),
      ...(props.alarmEmail ? { email: props.alarmEmail } : {}),
    });

    acknowledgeDeliberateFindings({
      function: this.function,
      isCompleteFunction: this.isCompleteFunction,
      role,
      snapshotObjectsArn: this.snapshotBucket.arnForObjects(`${snapshotPrefix}*`),
      provider,
      functionArns: [this.function.functionArn, this.isCompleteFunction.functionArn],
      createdBucket,
      ...(this.alarms.topic && !props.alarmTopic ? { createdTopic: this.alarms.topic } : {}),
    });

    if (schedule) {
      this.verificationRule = new events.Rule(this, 'VerificationSchedule', {
        description: 'rds-migrate: run the verification queries',
        schedule,
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

  /**
   * Runs the migration linter (`migrations-lint.ts`): findings at or above `failOn` fail synth, the
   * others become synth warnings (`cdk synth` prints them).
   */
  private lint(migrationsDirectory: string, bundleFile: string, layout: MigrationLayout | 'auto', options: MigrationsLintOptions): void {
    if (options.enabled === false) return;
    const failOn = options.failOn ?? DATABASE_MIGRATIONS_DEFAULTS.lintFailOn;
    if (!['error', 'warning', 'never'].includes(failOn)) {
      throw new DatabaseMigrationsError('lint', `has failOn "${failOn}": use error, warning or never`, this);
    }
    let outcome: ReturnType<typeof lintAtSynth>;
    try {
      outcome = lintAtSynth(migrationsDirectory, bundleFile, layout, { ...options, failOn });
    } catch (error) {
      if (error instanceof MigrationsLintError) throw new DatabaseMigrationsError('lint', `cannot lint the migrations: ${error.message}`, this);
      throw error;
    }
    for (const warning of outcome.warnings) Annotations.of(this).addWarningV2('rds-migrate:lint', warning);
    if (outcome.failingCount > 0) {
      throw new DatabaseMigrationsError(
        'migrationsDirectory',
        `has ${outcome.failingCount} lint finding(s) at or above "${failOn}" (lint.failOn) in ${migrationsDirectory}:\n${outcome.failing.trimEnd()}\n` +
          'Rewrite the migration as suggested, or suppress a finding with a `-- rds-migrate-lint-ignore <rule-id>: <reason>` comment above the statement.',
        this,
      );
    }
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
