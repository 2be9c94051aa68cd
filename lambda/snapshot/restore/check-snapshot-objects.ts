import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { snapshotPrefix, tableObjectKey } from '../keys';
import { manifestLineFormat, type SnapshotManifest } from '../manifest';
import { s3Url, type SnapshotLocation } from '../snapshot-location';

/**
 * What is wrong with a snapshot's table objects before anything is read from them, one message each
 * (empty: nothing): a table listed twice, a manifest key other than the one the table's name gives
 * (a manifest edited to point elsewhere), an object that does not exist, an object whose size is not
 * the manifest's `compressedBytes` (cut short, replaced). One ListObjectsV2 call per 1,000 objects under
 * `<prefix><database>/<snapshotId>/tables/` (the listing the function's S3 grant allows, where a missing
 * object's HeadObject would answer 403).
 */
export async function checkSnapshotObjects(location: SnapshotLocation, manifest: SnapshotManifest): Promise<string[]> {
  const problems: string[] = [];
  const prefix = `${snapshotPrefix(location, manifest.snapshotId)}tables/`;
  const sizes = new Map<string, number>();
  let token: string | undefined;
  do {
    const page = await location.s3.send(new ListObjectsV2Command({ Bucket: location.bucket, Prefix: prefix, ContinuationToken: token }));
    for (const object of page.Contents ?? []) if (object.Key) sizes.set(object.Key, object.Size ?? -1);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);

  const seen = new Set<string>();
  for (const table of manifest.tables) {
    const name = `"${table.schema}"."${table.table}"`;
    const expected = tableObjectKey(location, manifest.snapshotId, table, manifestLineFormat(manifest));
    if (seen.has(expected)) {
      problems.push(`table ${name} is listed twice`);
      continue;
    }
    seen.add(expected);
    if (table.key !== expected) {
      problems.push(`table ${name}: its key ${JSON.stringify(table.key)} is not the snapshot's (${JSON.stringify(expected)})`);
      continue;
    }
    const size = sizes.get(expected);
    if (size === undefined) problems.push(`table ${name}: object ${s3Url(location.bucket, expected)} is missing`);
    else if (size !== table.compressedBytes) {
      problems.push(`table ${name}: object ${s3Url(location.bucket, expected)} has ${size} bytes, the manifest says ${table.compressedBytes}`);
    }
  }
  return problems;
}
