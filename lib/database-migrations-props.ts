import type { Duration } from 'aws-cdk-lib';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as rds from 'aws-cdk-lib/aws-rds';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { MigrationLayout } from '../lambda/migrations/readers/layouts';

/**
 * Properties of `DatabaseMigrations`.
 *
 * Give exactly one of `cluster` (a cluster defined or imported in CDK) and `clusterArn` (a cluster
 * known only by its ARN). Either way the cluster must be Aurora PostgreSQL with the RDS Data API
 * enabled (`enableDataApi: true` on `rds.DatabaseCluster`, `EnableHttpEndpoint` in CloudFormation).
 */
export interface DatabaseMigrationsProps {
  /**
   * The Aurora PostgreSQL cluster to migrate, with the Data API enabled.
   *
   * When it is an `rds.DatabaseCluster` of this app, its Data API setting is checked at synth time
   * and the migration custom resource waits for the cluster, its instances and its secret
   * attachment to be created.
   *
   * @default - none; give `clusterArn` instead
   */
  readonly cluster?: rds.IDatabaseCluster;

  /**
   * ARN of the cluster to migrate (`arn:aws:rds:<region>:<account>:cluster:<id>`), for a cluster
   * that is not defined in CDK. The Data API must be enabled on it.
   *
   * @default - none; give `cluster` instead
   */
  readonly clusterArn?: string;

  /**
   * The Secrets Manager secret holding the database credentials (`username`, `password`) the
   * Data API connects with. The function may read this secret and no other.
   */
  readonly secret: secretsmanager.ISecret;

  /** Name of the database in the cluster to migrate, e.g. `faktulove`. */
  readonly databaseName: string;

  /**
   * Path of the migrations folder (`<version>_<name>/{up,down,verify}.sql`), absolute or relative
   * to the current directory. It is compiled at synth time; a migration that does not parse fails
   * `cdk synth` with the compiler's message.
   */
  readonly migrationsDirectory: string;

  /**
   * The layout of `migrationsDirectory`: `native` (`<version>_<name>/up.sql`), `golang-migrate`,
   * `flyway` or `dbmate` (see `lambda/migrations/bundle.ts`), or `auto` to detect it from the
   * entries' names.
   *
   * @default 'auto'
   */
  readonly migrationsLayout?: MigrationLayout | 'auto';

  /**
   * Migrate up to this version and no further on deployment (the custom resource's
   * `TargetVersion`), e.g. to ship migrations ahead of applying them. Must be one of the bundled
   * versions.
   *
   * @default - the last bundled migration
   */
  readonly targetVersion?: string;

  /**
   * The schemas the migrations own: what a snapshot covers and what verification looks at.
   * Each is a lower-case PostgreSQL identifier (letters, digits, `_`, `$`; at most 63 bytes).
   *
   * @default ['public']
   */
  readonly schemas?: string[];

  /**
   * Bucket the snapshots are written to. The function may read, write and list objects only
   * under `snapshotPrefix`.
   *
   * @default - a new bucket: SSE-S3 encrypted, TLS only, public access blocked, versioned,
   *            and retained when the stack is deleted
   */
  readonly snapshotBucket?: s3.IBucket;

  /**
   * Key prefix of the snapshots in the bucket. Ends with `/`, does not start with `/`, holds no
   * IAM wildcard (`*`, `?`).
   *
   * @default 'snapshots/'
   */
  readonly snapshotPrefix?: string;

  /**
   * When the function verifies the database on its own (`{"action":"verify","source":"schedule"}`).
   * `false` creates no schedule.
   *
   * @default events.Schedule.rate(Duration.hours(6))
   */
  readonly verificationSchedule?: events.Schedule | false;

  /**
   * The function's timeout: the longest a snapshot plus migration run may take. At most
   * 15 minutes (the Lambda limit), at least 1 minute.
   *
   * @default Duration.minutes(15)
   */
  readonly timeout?: Duration;

  /**
   * The function's memory in MB (128 to 10240, the Lambda limits); CPU scales with it.
   *
   * @default 1024
   */
  readonly memorySize?: number;

  /**
   * How long the function's log group keeps its logs.
   *
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: logs.RetentionDays;
}

/** The defaults of `DatabaseMigrationsProps`, in one place for the constructor and the docs. */
export const DATABASE_MIGRATIONS_DEFAULTS = {
  migrationsLayout: 'auto',
  schemas: ['public'],
  snapshotPrefix: 'snapshots/',
  verificationScheduleHours: 6,
  timeoutMinutes: 15,
  memorySizeMb: 1024,
} as const;
