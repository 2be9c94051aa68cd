/**
 * The part of `s3rver` 3.x (which ships no types) that `local/s3` uses. S3rver is a Koa application:
 * `middleware` is Koa's middleware array, composed when `run()` starts the HTTP server.
 */
declare module 's3rver' {
  import type { Server } from 'node:http';
  import type { AddressInfo } from 'node:net';

  export interface S3rverOptions {
    address?: string;
    port?: number;
    silent?: boolean;
    directory?: string;
    resetOnClose?: boolean;
    allowMismatchedSignatures?: boolean;
    vhostBuckets?: boolean;
    configureBuckets?: { name: string; configs?: (string | Buffer)[] }[];
  }

  /** An object as s3rver's filesystem store lists it. */
  export interface S3rverObject {
    readonly key: string;
    readonly size: number;
    readonly lastModifiedDate: Date;
    readonly metadata: Record<string, string>;
  }

  /** s3rver's filesystem store (`lib/stores/filesystem.js`), the part `local/s3` calls. */
  export interface S3rverStore {
    getBucket(bucket: string): Promise<{ name: string } | null>;
    listObjects(
      bucket: string,
      options: { prefix?: string; delimiter?: string; startAfter?: string; maxKeys?: number },
    ): Promise<{ objects: S3rverObject[]; commonPrefixes: string[]; isTruncated: boolean }>;
  }

  /** Koa's context, reduced to what `local/s3` reads and writes. */
  export interface S3rverContext {
    store: S3rverStore;
    method: string;
    path: string;
    query: Record<string, string | string[] | undefined>;
    status: number;
    type: string;
    body: unknown;
  }

  export type Middleware = (ctx: S3rverContext, next: () => Promise<void>) => unknown;

  class S3rver {
    constructor(options?: S3rverOptions);
    readonly middleware: Middleware[];
    httpServer?: Server;
    run(): Promise<AddressInfo>;
    close(): Promise<void>;
  }

  export default S3rver;
}
