import type { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll } from 'vitest';
import { startLocalS3, type LocalS3 } from '../../local/s3/local-s3';
import { createTestDatabase, type TestDatabase } from './database';

/** A local S3 with one bucket, for the tests of a suite: where their snapshots go. */
export interface SnapshotBucket {
  /** The running local S3 (`local/s3/local-s3.ts`): its endpoint, other buckets or clients a test needs. */
  readonly local: LocalS3;
  /** A client of `local` (destroyed when it closes). */
  readonly s3: S3Client;
  /** The bucket created on `local`. */
  readonly bucket: string;
}

/** A {@link SnapshotBucket} and a fresh test database: what a suite's snapshots are taken of and restored into. */
export interface SnapshotStore extends SnapshotBucket {
  /** The suite's own database on the run's server (`database.ts`). */
  readonly db: TestDatabase;
}

export interface SnapshotStoreOptions {
  /**
   * Prefix of the database's name (`createTestDatabase`, which adds a random suffix). One per test file: the
   * files run two at a time on the same server, and a name says whose database a leftover is.
   */
  readonly database: string;
  /** The bucket to create (3 to 63 characters: lowercase letters, digits, `.` and `-`). */
  readonly bucket: string;
  /** SQL run on the new database, as one query (several statements allowed), before the bucket is created. @default none */
  readonly sql?: string;
}

/**
 * Registers, in the suite it is called in (a test file's top level or a `describe`), a `beforeAll` that
 * starts a local S3, creates `bucket` on it and opens a client, and an `afterAll` that closes the server
 * (and its clients). A suite's own `beforeAll`, registered after this call, runs after it.
 * @returns the suite's bucket: its fields are read once the `beforeAll` has run (in hooks and tests); read
 *   earlier, while the file is collected, they throw an Error
 */
export function useSnapshotBucket(bucket: string): SnapshotBucket {
  const held = hold({ bucket });
  return {
    get local() {
      return ready(held.local, 'local');
    },
    get s3() {
      return ready(held.s3, 's3');
    },
    bucket,
  };
}

/**
 * {@link useSnapshotBucket} with a test database: its `beforeAll` creates the database (at the same time as
 * it starts the local S3) and runs `sql` on it, then creates the bucket; its `afterAll` closes the local
 * S3, then drops the database (closing the drivers opened on it). A setup step that fails fails the suite's
 * tests; what was started by then is still closed and dropped.
 * @returns the suite's database and bucket: fields read once the `beforeAll` has run, an Error earlier
 */
export function useSnapshotStore(options: SnapshotStoreOptions): SnapshotStore {
  const held = hold(options);
  return {
    get db() {
      return ready(held.db, 'db');
    },
    get local() {
      return ready(held.local, 'local');
    },
    get s3() {
      return ready(held.s3, 's3');
    },
    bucket: options.bucket,
  };
}

interface Held {
  db?: TestDatabase;
  local?: LocalS3;
  s3?: S3Client;
}

/** Registers the hooks of both functions above (no database without `database`); the hooks fill in what they start. */
function hold({ bucket, database, sql }: Partial<SnapshotStoreOptions> & { bucket: string }): Held {
  const held: Held = {};
  beforeAll(async () => {
    // Both settled before a failure is thrown, so that the afterAll closes whichever did start.
    const started = await Promise.allSettled([
      database === undefined ? undefined : createTestDatabase(database).then((db) => void (held.db = db)),
      startLocalS3().then((local) => void (held.local = local)),
    ]);
    for (const result of started) if (result.status === 'rejected') throw result.reason;
    if (sql !== undefined) await held.db!.sql(sql);
    await held.local!.createBucket(bucket);
    held.s3 = held.local!.client();
  });
  afterAll(async () => {
    await held.local?.close();
    await held.db?.drop();
  });
  return held;
}

function ready<T>(value: T | undefined, field: string): T {
  if (value === undefined) throw new Error(`snapshot store: ${field} is read before the suite's beforeAll started it`);
  return value;
}
