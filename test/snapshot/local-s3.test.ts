import {
  AbortMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalS3, type LocalS3 } from '../../local/s3/local-s3';

let s3: LocalS3;
let client: S3Client;

beforeAll(async () => {
  s3 = await startLocalS3();
  await s3.createBucket('local-s3-test');
  client = s3.client();
});
afterAll(() => s3.close());

const sha = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

describe('local S3 (s3rver)', () => {
  it('stores a streamed PutObject body byte for byte', async () => {
    const body = Readable.from([Buffer.from('hello '), Buffer.from('world')]);
    await client.send(new PutObjectCommand({ Bucket: 'local-s3-test', Key: 'streamed.txt', Body: body, ContentLength: 11 }));
    const object = await client.send(new GetObjectCommand({ Bucket: 'local-s3-test', Key: 'streamed.txt' }));
    expect(await object.Body!.transformToString()).toBe('hello world');
  });

  it('completes a multipart upload from lib-storage with the exact bytes', async () => {
    const data = randomBytes(11 * 1024 * 1024 + 123);
    const upload = new Upload({
      client,
      params: { Bucket: 'local-s3-test', Key: 'dir/multipart.bin', Body: Readable.from([data.subarray(0, 7_000_000), data.subarray(7_000_000)]) },
      partSize: 5 * 1024 * 1024,
      queueSize: 2,
    });
    const parts: number[] = [];
    upload.on('httpUploadProgress', (p) => p.part !== undefined && parts.push(p.part));
    await upload.done();
    expect(new Set(parts).size).toBe(3);
    const object = await client.send(new GetObjectCommand({ Bucket: 'local-s3-test', Key: 'dir/multipart.bin' }));
    const back = await object.Body!.transformToByteArray();
    expect(back.length).toBe(data.length);
    expect(sha(back)).toBe(sha(data));
    const listed = await client.send(new ListObjectsV2Command({ Bucket: 'local-s3-test', Prefix: 'dir/' }));
    expect(listed.Contents?.map((c) => c.Key)).toEqual(['dir/multipart.bin']);
  });

  it('lists and aborts multipart uploads in progress', async () => {
    const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: 'local-s3-test', Key: 'pending/a.bin' }));
    await client.send(
      new UploadPartCommand({ Bucket: 'local-s3-test', Key: 'pending/a.bin', UploadId, PartNumber: 1, Body: randomBytes(1024) }),
    );
    const before = await client.send(new ListMultipartUploadsCommand({ Bucket: 'local-s3-test' }));
    expect(before.Uploads?.map((u) => [u.Key, u.UploadId])).toEqual([['pending/a.bin', UploadId]]);

    await client.send(new AbortMultipartUploadCommand({ Bucket: 'local-s3-test', Key: 'pending/a.bin', UploadId }));
    const after = await client.send(new ListMultipartUploadsCommand({ Bucket: 'local-s3-test' }));
    expect(after.Uploads ?? []).toEqual([]);

    const again = await client
      .send(new AbortMultipartUploadCommand({ Bucket: 'local-s3-test', Key: 'pending/a.bin', UploadId }))
      .catch((e: unknown) => e);
    expect((again as Error).name).toBe('NoSuchUpload');
  });

  it('refuses requests once closed', async () => {
    const other = await startLocalS3();
    await other.createBucket('closing');
    const c = other.client();
    await c.send(new PutObjectCommand({ Bucket: 'closing', Key: 'k', Body: 'v' }));
    await other.close();
    await expect(c.send(new GetObjectCommand({ Bucket: 'closing', Key: 'k' }))).rejects.toThrow();
  });
});

describe('ListObjectsV2 on the local S3', () => {
  it('pages with continuation tokens, prefixes and delimiters (s3rver alone fails: its tokens need DES)', async () => {
    const keys = ['list/a/1', 'list/a/2', 'list/b/1', 'list/c', 'list/d', 'other/x'];
    for (const key of keys) await client.send(new PutObjectCommand({ Bucket: 'local-s3-test', Key: key, Body: key }));
    const seen: string[] = [];
    let token: string | undefined;
    let calls = 0;
    do {
      const page = await client.send(new ListObjectsV2Command({ Bucket: 'local-s3-test', Prefix: 'list/', MaxKeys: 2, ContinuationToken: token }));
      calls += 1;
      seen.push(...(page.Contents ?? []).map((c) => c.Key!));
      expect(page.KeyCount).toBe(page.Contents?.length ?? 0);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    expect(seen).toEqual(keys.slice(0, 5));
    expect(calls).toBe(3);

    const grouped = await client.send(new ListObjectsV2Command({ Bucket: 'local-s3-test', Prefix: 'list/', Delimiter: '/' }));
    expect(grouped.Contents?.map((c) => c.Key)).toEqual(['list/c', 'list/d']);
    expect(grouped.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['list/a/', 'list/b/']);

    const after = await client.send(new ListObjectsV2Command({ Bucket: 'local-s3-test', Prefix: 'list/', StartAfter: 'list/b/1' }));
    expect(after.Contents?.map((c) => c.Key)).toEqual(['list/c', 'list/d']);
    await expect(client.send(new ListObjectsV2Command({ Bucket: 'no-such-bucket' }))).rejects.toThrow(/bucket does not exist/);
  });
});
