import type { Duration, Size } from 'aws-cdk-lib';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as rds from 'aws-cdk-lib/aws-rds';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { OnRollbackPolicy } from '../lambda/events/custom-resource-event';
import type { LintConfig } from '../lambda/lint/lint-config';
import type { MigrationLayout } from '../lambda/migrations/readers/layouts';

/** What a snapshot before migrating covers (the function's `RDS_MIGRATE_SNAPSHOT_SCOPE`). */
export type SnapshotScope = 'full' | 'affected' | 'none';

/** The migration safety linter, run on the migrations folder at synth time (`lambda/lint`). */
export interface MigrationsLintOptions {
  /**
   * Run the linter at synth time.
   *
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * The lowest finding severity that fails `cdk synth` (the findings are in the error, one
   * `file:line:column rule-id message` per line); findings below it are synth warnings. `never`
   * reports every finding as a warning.
   *
   * @default 'error'
   */
  readonly failOn?: 'error' | 'warning' | 'never';
  /**
   * Per-rule severities and the small-table threshold (`{ rules: { 'prefer-text-over-varchar': 'off' } }`),
   * checked at synth time: a bad field fails synth naming it.
   *
   * @default - every rule at its default severity
   */
  readonly config?: LintConfig;
}

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
   * Adopt a database whose schema already exists (applied by hand, by Django, by another tool): the
   * custom resource's `BaselineVersion`. When a deployment finds the schema history empty, it first
   * records every bundled version up to and including this one as applied without running them (their
   * verify scripts must pass first, else the deploy fails and nothing is recorded), as the
   * `{"action":"baseline"}` event does, then migrates the versions above it. Only then: once the
   * history has rows, this version must be applied there (later deployments keep the prop and do
   * nothing more), and a history without it applied fails the deployment naming both versions before
   * anything runs. Must be one of the bundled versions, not above `targetVersion`.
   *
   * @default - none: nothing is baselined, a first deployment applies every migration
   */
  readonly baselineVersion?: string;

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
   * @default - a new bucket: encrypted (SSE-S3, or SSE-KMS with `snapshotEncryptionKey`), TLS only,
   *            public access blocked, versioned, and retained when the stack is deleted
   */
  readonly snapshotBucket?: s3.IBucket;

  /**
   * KMS key the snapshots are encrypted with: the default encryption of the bucket this construct
   * creates (SSE-KMS with an S3 Bucket Key), and in every case a grant to the function to encrypt
   * and decrypt with it. For a `snapshotBucket` of your own, set its default encryption to this key
   * yourself.
   *
   * @default - SSE-S3 (for a `snapshotBucket` of your own: its `encryptionKey`, if it has one)
   */
  readonly snapshotEncryptionKey?: kms.IKey;

  /**
   * How long snapshot objects are kept: an S3 lifecycle rule on the bucket this construct creates
   * expires the objects under `snapshotPrefix` after this many days (and their noncurrent versions
   * the same number of days later). Whole days. Not available with a `snapshotBucket` of your own
   * (add the rule to your bucket).
   *
   * @default - kept until deleted
   */
  readonly snapshotRetention?: Duration;

  /**
   * How many complete snapshots of the database to keep: after a new one is written, the function
   * deletes the oldest beyond this number (the function's `RDS_MIGRATE_SNAPSHOT_KEEP`).
   *
   * @default - all are kept
   */
  readonly snapshotsToKeep?: number;

  /**
   * What the snapshot before migrating covers: `full` (every table of `schemas`), `affected` (only
   * the tables the pending migrations touch), or `none` (no snapshot: for databases too large to
   * export within a deployment; take backups another way). The function's `RDS_MIGRATE_SNAPSHOT_SCOPE`.
   *
   * @default 'full'
   */
  readonly snapshotScope?: SnapshotScope;

  /**
   * The largest snapshot the function takes: before reading anything it estimates the snapshot's size
   * from `pg_class` (`pg_table_size` of its tables, TOAST included) and refuses a larger one, and with
   * it the migration it guards, naming the estimate, the limit and the largest tables. Whole bytes.
   * The function's `RDS_MIGRATE_SNAPSHOT_MAX_BYTES`.
   *
   * @default - no size limit
   */
  readonly snapshotMaxSize?: Size;

  /**
   * The longest snapshot export the function starts: the estimated size divided by
   * `snapshotExportRate` must fit in it, or the snapshot (and the migration it guards) is refused
   * before anything is read. Whole seconds. Each invocation also caps it at the time it has left (a
   * snapshot never spans invocations). The function's `RDS_MIGRATE_SNAPSHOT_MAX_SECONDS`.
   *
   * @default - no time limit but the invocation's
   */
  readonly snapshotMaxDuration?: Duration;

  /**
   * The export rate the snapshot time estimate assumes, per second (of table size as `pg_table_size`
   * counts it): measure yours with `npm run bench:snapshot`. Only with `snapshotMaxDuration`. Whole
   * bytes. The function's `RDS_MIGRATE_SNAPSHOT_BYTES_PER_SECOND`.
   *
   * @default Size.mebibytes(8) (per second)
   */
  readonly snapshotExportRate?: Size;

  /**
   * Tables (or ranges of heap blocks of one table) a snapshot exports at once, each read by a worker
   * transaction of its own at the snapshot's instant: 1 to 32. More is faster on a cluster with
   * capacity to spare, and costs one Data API transaction each. The function's
   * `RDS_MIGRATE_SNAPSHOT_PARALLELISM`.
   *
   * @default 3
   */
  readonly snapshotParallelism?: number;

  /**
   * Take a snapshot when the migration resource is deleted (stack deletion, or the construct removed).
   * A delete never drops or alters the database; this keeps a last copy of its data in S3 too. A
   * failing snapshot fails the delete.
   *
   * @default false
   */
  readonly finalSnapshot?: boolean;

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
   * The SNS topic notified when a verification alarm goes off or clears (see `verificationAlarm`).
   *
   * @default - a new topic when `alarmEmail` is given, else no notification
   */
  readonly alarmTopic?: sns.ITopic;

  /**
   * An email address subscribed to the alarm topic (a new topic unless `alarmTopic` is given). The
   * address must confirm the subscription AWS sends it.
   *
   * @default - no email subscription
   */
  readonly alarmEmail?: string;

  /**
   * How long without a scheduled verification before the missed-run alarm goes off (the metric
   * `VerificationFailures` has no datapoint for that long). At most 3.5 days (CloudWatch evaluates
   * two periods of at most 7 days in all), a whole number of minutes.
   *
   * @default - twice the schedule's rate (`rate(...)` schedules); required for cron schedules
   */
  readonly verificationMissedAfter?: Duration;

  /**
   * What a stack rollback does to the schema. A failed deployment may have applied some of its
   * migrations before one failed; CloudFormation then rolls the function back and sends the migration
   * resource its old properties. `retain` leaves the schema as it is (write migrations
   * forward-compatible, so the old code runs on the newer schema); `down` reverts the versions the
   * old bundle does not have with their down scripts (stored in the database when they were
   * deployed), only when every one is reversible, and otherwise fails the rollback naming them.
   *
   * @default 'retain'
   */
  readonly onRollback?: OnRollbackPolicy;

  /**
   * How long one deployment's migration may run in all, across invocations (the function resumes it
   * in the Provider framework's isComplete polls). Past it the deployment fails, naming what was
   * applied; CloudFormation's limit for a custom resource is one hour. From 1 to 50 minutes. Longer
   * migrations: run them before deploying (see "Long migrations" in the README).
   *
   * @default Duration.minutes(45)
   */
  readonly deployTimeout?: Duration;

  /**
   * The migration safety linter at synth time: by default, an error finding fails `cdk synth`.
   *
   * @default { enabled: true, failOn: 'error' }
   */
  readonly lint?: MigrationsLintOptions;

  /**
   * The function's timeout: the longest one invocation may take. A migration run stops between
   * migrations before it (keeping 1 minute for verification and its answer) and the next invocation
   * continues it. At most 14 minutes, so the function always answers before the Provider framework's
   * own 15-minute functions give up; at least 1 minute.
   *
   * @default Duration.minutes(14)
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
  snapshotScope: 'full',
  verificationScheduleHours: 6,
  timeoutMinutes: 14,
  memorySizeMb: 1024,
  onRollback: 'retain',
  deployTimeoutMinutes: 45,
  lintFailOn: 'error',
} as const;
