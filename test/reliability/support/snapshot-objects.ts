/**
 * Checks of a snapshot bucket after faults: a manifest is written last, so every manifest must find
 * each of its table objects complete (size, SHA-256 and row count as recorded); table objects without
 * a manifest are an unfinished snapshot, never listed (`snapshot/list-snapshots.ts`); no multipart
 * upload may be left in progress (its parts would be billed forever).
 */
import { GetObjectCommand, ListMultipartUploadsCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { countLines, type LineFormat } from '../../../lambda/snapshot/line-format';
import { manifestLineFormat } from '../../../lambda/snapshot/manifest';
import type { LocalS3 } from '../../../local/s3/local-s3';

export interface ManifestCheck {
  /** Manifests found. */
  readonly manifests: number;
  /** Rows of table objects read back and counted against their manifests. */
  readonly rows: number;
  /** One sentence per manifest that points at a missing or different table object. */
  readonly broken: string[];
}

async function listKeys(s3: S3Client, bucket: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
    for (const o of page.Contents ?? []) keys.push(o.Key!);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return keys;
}

async function read(s3: S3Client, bucket: string, key: string): Promise<Buffer> {
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from(await object.Body!.transformToByteArray());
}

interface ManifestShape {
  readonly snapshotId: string;
  /** From format 3 (`json` lines before). */
  readonly lineFormat?: LineFormat;
  readonly tables: ReadonlyArray<{ readonly key: string; readonly rowCount: number; readonly compressedBytes: number; readonly checksum: string }>;
}

/** Reads every manifest of `bucket` and checks its table objects (see the module doc). */
export async function listManifestProblems(local: LocalS3, bucket: string): Promise<ManifestCheck> {
  const s3 = local.client();
  try {
    const keys = await listKeys(s3, bucket);
    const present = new Set(keys);
    const broken: string[] = [];
    let manifests = 0;
    let rows = 0;
    for (const key of keys.filter((k) => k.endsWith('/manifest.json'))) {
      manifests++;
      const manifest = JSON.parse((await read(s3, bucket, key)).toString('utf8')) as ManifestShape;
      for (const table of manifest.tables) {
        if (!present.has(table.key)) {
          broken.push(`${key}: table object ${table.key} is missing`);
          continue;
        }
        const gz = await read(s3, bucket, table.key);
        const raw = gunzipSync(gz);
        // Line ends as the manifest's line format has them (record lines: `\n` outside double quotes).
        const lines = countLines([raw], manifestLineFormat(manifest));
        rows += lines;
        if (gz.length !== table.compressedBytes) broken.push(`${table.key}: ${gz.length} bytes, the manifest says ${table.compressedBytes}`);
        if (lines !== table.rowCount) broken.push(`${table.key}: ${lines} rows, the manifest says ${table.rowCount}`);
        const sha = createHash('sha256').update(raw).digest('hex');
        if (sha !== table.checksum) broken.push(`${table.key}: SHA-256 ${sha}, the manifest says ${table.checksum}`);
      }
    }
    return { manifests, rows, broken };
  } finally {
    s3.destroy();
  }
}

/** Keys of multipart uploads still in progress in `bucket`. */
export async function multipartUploadsInProgress(local: LocalS3, bucket: string): Promise<string[]> {
  const s3 = local.client();
  try {
    const listed = await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
    return (listed.Uploads ?? []).map((u) => u.Key!);
  } finally {
    s3.destroy();
  }
}
