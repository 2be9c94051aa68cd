import { startLocalDataApi, type LocalDataApi } from '../data-api/server';
import { LOCAL_S3_ACCESS_KEY_ID, LOCAL_S3_SECRET_ACCESS_KEY, startLocalS3, type LocalS3 } from '../s3/local-s3';

/** The local stand-ins for the AWS side of one database: the Data API over it and an S3 bucket. */
export interface LocalAws {
  readonly dataApi: LocalDataApi;
  readonly s3: LocalS3;
  /** The snapshot bucket, created empty. */
  readonly bucket: string;
  /** The database the function migrates. */
  readonly database: string;
  /**
   * The function's environment pointed at these stand-ins: the variables the construct sets
   * (`RDS_MIGRATE_*`) plus the AWS SDK's own endpoint variables and dummy credentials.
   */
  functionEnvironment(extra?: Record<string, string>): Record<string, string>;
  close(): Promise<void>;
}

export interface StartLocalAwsOptions {
  /** `postgres://...` URL of the database to migrate (its server and name). */
  readonly databaseUrl: string;
  /** @default 'rds-migrate-snapshots' */
  readonly bucket?: string;
  /** @default 'snapshots/' */
  readonly snapshotPrefix?: string;
}

/**
 * Starts the local Data API (real wire protocol over the given PostgreSQL) and a local S3 (s3rver)
 * with an empty snapshot bucket, so the real `@aws-sdk/client-rds-data` and `@aws-sdk/client-s3`
 * clients, in sources or in the synthesized bundle, run end to end on this machine.
 */
export async function startLocalAws(options: StartLocalAwsOptions): Promise<LocalAws> {
  const database = decodeURIComponent(new URL(options.databaseUrl).pathname.slice(1));
  const bucket = options.bucket ?? 'rds-migrate-snapshots';
  const dataApi = await startLocalDataApi({ postgresUrl: options.databaseUrl });
  let s3: LocalS3;
  try {
    s3 = await startLocalS3();
    await s3.createBucket(bucket);
  } catch (error) {
    await dataApi.close();
    throw error;
  }
  return {
    dataApi,
    s3,
    bucket,
    database,
    functionEnvironment: (extra = {}) => ({
      RDS_MIGRATE_CLUSTER_ARN: dataApi.resourceArn,
      RDS_MIGRATE_SECRET_ARN: dataApi.secretArn,
      RDS_MIGRATE_DATABASE: database,
      RDS_MIGRATE_SCHEMAS: 'public',
      RDS_MIGRATE_SNAPSHOT_BUCKET: bucket,
      RDS_MIGRATE_SNAPSHOT_PREFIX: options.snapshotPrefix ?? 'snapshots/',
      RDS_MIGRATE_S3_FORCE_PATH_STYLE: 'true',
      AWS_ENDPOINT_URL_RDS_DATA: dataApi.endpoint,
      AWS_ENDPOINT_URL_S3: s3.endpoint,
      AWS_REGION: 'us-east-1',
      // s3rver checks SigV4 signatures against its built-in key pair; the local Data API accepts any.
      AWS_ACCESS_KEY_ID: LOCAL_S3_ACCESS_KEY_ID,
      AWS_SECRET_ACCESS_KEY: LOCAL_S3_SECRET_ACCESS_KEY,
      POWERTOOLS_LOG_LEVEL: 'WARN',
      ...extra,
    }),
    close: async () => {
      await Promise.allSettled([dataApi.close(), s3.close()]);
    },
  };
}
