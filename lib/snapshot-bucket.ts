import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';

/**
 * Creates the default snapshot bucket: SSE-S3 encryption, TLS-only access (a bucket policy denying
 * `aws:SecureTransport = false`), all public access blocked, ACLs disabled, versioned (an
 * overwritten or deleted snapshot object stays recoverable), incomplete multipart uploads aborted
 * after 7 days, and RETAIN on delete: snapshots outlive the stack and are never dropped with it.
 */
export function createSnapshotBucket(scope: Construct, id: string): s3.Bucket {
  return new s3.Bucket(scope, id, {
    encryption: s3.BucketEncryption.S3_MANAGED,
    enforceSSL: true,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    versioned: true,
    removalPolicy: RemovalPolicy.RETAIN,
    lifecycleRules: [{ id: 'AbortIncompleteUploads', abortIncompleteMultipartUploadAfter: Duration.days(7) }],
  });
}
