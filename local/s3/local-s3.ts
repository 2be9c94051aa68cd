import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { listObjectsV2 } from './list-objects-v2';
import { localS3Client } from './local-s3-client';
import { multipartExtensions } from './multipart-extensions';

export { LOCAL_S3_ACCESS_KEY_ID, LOCAL_S3_SECRET_ACCESS_KEY, localS3Client } from './local-s3-client';

export interface LocalS3Options {
  /** TCP port on 127.0.0.1. @default a free port chosen by the OS */
  readonly port?: number;
  /** Where objects are stored; kept on close when given, a temporary directory removed on close otherwise. */
  readonly directory?: string;
}

/** A running local S3 (s3rver: the real S3 REST/XML protocol, objects on disk). */
export interface LocalS3 {
  /** `http://127.0.0.1:<port>`. */
  readonly endpoint: string;
  /** Directory holding the buckets. */
  readonly directory: string;
  /** Creates a bucket (3 to 63 characters: lowercase letters, digits, `.` and `-`). */
  createBucket(name: string): Promise<void>;
  /** A new S3 client for this server (see {@link localS3Client}). */
  client(): S3Client;
  /** Stops the server, cutting open connections, and removes a temporary directory. */
  close(): Promise<void>;
}


/**
 * Starts s3rver 3.x on 127.0.0.1, with AbortMultipartUpload and ListMultipartUploads added
 * (`multipart-extensions.ts`) and ListObjectsV2 answered by `list-objects-v2.ts` (s3rver's own
 * continuation tokens need DES, which Node 20's OpenSSL 3 lacks). Works with Node 20 and `@aws-sdk/client-s3` v3, multipart uploads
 * through `@aws-sdk/lib-storage` included, given the client settings of {@link localS3Client}.
 */
export async function startLocalS3(options: LocalS3Options = {}): Promise<LocalS3> {
  const directory = options.directory ?? (await mkdtemp(path.join(os.tmpdir(), 'rds-migrate-s3-')));
  const server = new S3rver({
    address: '127.0.0.1',
    port: options.port ?? 0,
    directory,
    silent: true,
    vhostBuckets: false,
  });
  // Insert the extensions right before s3rver's router (Koa composes `middleware` when the server starts).
  const routerIndex = server.middleware.findIndex((fn) => fn.name === 'dispatch');
  if (routerIndex < 0) throw new Error('s3rver: router middleware not found; is s3rver 3.x installed?');
  server.middleware.splice(routerIndex, 0, multipartExtensions(directory), listObjectsV2);
  const address = await server.run();
  const endpoint = `http://127.0.0.1:${address.port}`;
  const clients: S3Client[] = [];
  let closed = false;
  return {
    endpoint,
    directory,
    async createBucket(name) {
      const client = localS3Client(endpoint);
      try {
        await client.send(new CreateBucketCommand({ Bucket: name }));
      } finally {
        client.destroy();
      }
    },
    client() {
      const client = localS3Client(endpoint);
      clients.push(client);
      return client;
    },
    async close() {
      if (closed) return;
      closed = true;
      const stopped = server.close();
      server.httpServer?.closeAllConnections();
      await stopped;
      for (const client of clients) client.destroy();
      if (options.directory === undefined) await rm(directory, { recursive: true, force: true });
    },
  };
}
