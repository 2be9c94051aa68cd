import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';

/**
 * The RDS Data API actions the migration engine uses: statements, batches and explicit
 * transactions (Data API reference: ExecuteStatement, BatchExecuteStatement, BeginTransaction,
 * CommitTransaction, RollbackTransaction). No `rds-data:*`.
 */
export const DATA_API_ACTIONS = [
  'rds-data:BatchExecuteStatement',
  'rds-data:BeginTransaction',
  'rds-data:CommitTransaction',
  'rds-data:ExecuteStatement',
  'rds-data:RollbackTransaction',
] as const;

/**
 * The object actions on snapshot keys: write parts and the manifest (multipart uploads included),
 * read them back for a restore, and delete a snapshot's objects (the bucket we create is
 * versioned and `s3:DeleteObjectVersion` is not granted, so a delete never destroys data).
 */
export const SNAPSHOT_OBJECT_ACTIONS = [
  's3:AbortMultipartUpload',
  's3:DeleteObject',
  's3:GetObject',
  's3:ListMultipartUploadParts',
  's3:PutObject',
] as const;

/**
 * Grants the Data API actions (`DATA_API_ACTIONS`) on one cluster ARN and nothing else. Reading the
 * cluster's secret is a separate grant (`secret.grantRead`).
 *
 * @param grantee who gets the permissions (the migrations function)
 * @param clusterArn `arn:aws:rds:<region>:<account>:cluster:<id>`, or a token resolving to one
 */
export function grantDataApi(grantee: iam.IGrantable, clusterArn: string): iam.Grant {
  return iam.Grant.addToPrincipal({ grantee, actions: [...DATA_API_ACTIONS], resourceArns: [clusterArn] });
}

/**
 * What S3 needs of the caller's KMS permissions for SSE-KMS objects (S3 user guide, "Using
 * server-side encryption with AWS KMS keys", permissions): a data key to write (multipart uploads
 * included) and decrypt to read. No `kms:*` wildcards (`ReEncrypt*`, `GenerateDataKey*`).
 */
export const SNAPSHOT_KEY_ACTIONS = ['kms:Decrypt', 'kms:GenerateDataKey'] as const;

/** Grants {@link SNAPSHOT_KEY_ACTIONS} on a snapshot encryption key. */
export function grantSnapshotKey(grantee: iam.IGrantable, key: kms.IKey): iam.Grant {
  return key.grant(grantee, ...SNAPSHOT_KEY_ACTIONS);
}

/**
 * Grants read, write and list only under `prefix` of the snapshot bucket:
 * - `SNAPSHOT_OBJECT_ACTIONS` on `arn:aws:s3:::<bucket>/<prefix>*`;
 * - `s3:ListBucket` on the bucket with the condition `s3:prefix` like `<prefix>*` (IAM: "Amazon S3
 *   condition key examples"), so the function can list snapshots but no other keys;
 * - {@link SNAPSHOT_KEY_ACTIONS} on the bucket's KMS key, when it has one.
 *
 * Note: without an unconditioned `s3:ListBucket`, S3 answers HeadObject/GetObject of a missing key
 * with 403 AccessDenied rather than 404 NoSuchKey; list the prefix to test whether a key exists.
 *
 * @param prefix key prefix ending in `/` (validated by the construct), e.g. `snapshots/`
 */
export function grantSnapshotAccess(grantee: iam.IGrantable, bucket: s3.IBucket, prefix: string): iam.Grant {
  const objects = iam.Grant.addToPrincipal({
    grantee,
    actions: [...SNAPSHOT_OBJECT_ACTIONS],
    resourceArns: [bucket.arnForObjects(`${prefix}*`)],
  });
  const list = iam.Grant.addToPrincipal({
    grantee,
    actions: ['s3:ListBucket'],
    resourceArns: [bucket.bucketArn],
    conditions: { StringLike: { 's3:prefix': [`${prefix}*`] } },
  });
  const grant = objects.combine(list);
  return bucket.encryptionKey ? grant.combine(grantSnapshotKey(grantee, bucket.encryptionKey)) : grant;
}
