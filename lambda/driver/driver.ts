/**
 * The driver contract: the only way the engine, the snapshot and the verification reach PostgreSQL.
 *
 * Two backends implement it, one folder each (after Kysely's `src/driver` + `src/dialect/*`):
 * - `driver/data-api/`: the RDS Data API (`@aws-sdk/client-rds-data`), used by the Lambda function;
 * - `driver/pg/`: a direct `pg` connection, used by the CLI and the tests.
 *
 * The engine never knows which one it has. The contract is shaped by the weaker of the two, the Data
 * API (see `../shared/data-api-reference.md`):
 * - one statement per `execute` call (no multi-statement strings);
 * - no session state between calls outside a transaction (no `SET`, temp tables or session advisory
 *   locks that outlive a call); use `SET LOCAL` inside a transaction instead;
 * - parameters are named and written `:name` in the SQL text; values are scalars
 *   (array parameters are rejected by the Data API);
 * - a response is at most 1 MiB and a row at most 64 KB: page large reads.
 */

/** A value sent as a parameter. Strings may carry a Data API type hint (see {@link TypedParam}). */
export type SqlScalar = null | boolean | number | string | Uint8Array;

/**
 * A string parameter with a Data API `typeHint` (DATE, TIME, TIMESTAMP, DECIMAL, JSON, UUID).
 * The `pg` driver sends the string as it is and lets PostgreSQL infer the type; write an explicit
 * cast in the SQL (`:doc::jsonb`) when the statement needs one on both drivers.
 */
export interface TypedParam {
  readonly value: string;
  readonly typeHint: 'DATE' | 'TIME' | 'TIMESTAMP' | 'DECIMAL' | 'JSON' | 'UUID';
}

/** Named parameters: `{ version: '0022' }` for `... WHERE version = :version`. */
export type SqlParams = Readonly<Record<string, SqlScalar | TypedParam>>;

/**
 * A value read back. Both drivers map result columns the same way, following the Data API's
 * Field mapping: int2/int4/int8 → number; float4/float8 → number; bool → boolean; bytea → Uint8Array;
 * 1-D arrays → arrays of these; NULL → null; everything else (numeric, text, json, jsonb, uuid, dates,
 * timestamps, intervals, enums, inet, ...) → the string PostgreSQL prints. Engine code that needs an
 * exact textual form (timestamps, json) casts in SQL (`to_char(...)`, `x::text`) rather than relying on
 * a driver's formatting.
 */
export type SqlValue = null | boolean | number | string | Uint8Array | SqlValue[];

/** One result row, keyed by column label. */
export type Row = Record<string, SqlValue>;

export interface QueryResult<R extends Row = Row> {
  /** Rows returned (empty for statements without a result set). */
  readonly rows: R[];
  /** Rows changed by INSERT/UPDATE/DELETE (the Data API's numberOfRecordsUpdated); 0 otherwise. */
  readonly rowsAffected: number;
}

export interface ExecuteOptions {
  /**
   * Let a long statement (typically DDL such as CREATE INDEX) keep running on the server after the
   * Data API's 45 s call wait ends. The call then fails with StatementTimeoutError although the
   * statement goes on. The `pg` driver ignores it (it has no call wait).
   * @default false
   */
  readonly continueAfterTimeout?: boolean;
  /**
   * `'JSON'`: ask for the result as the Data API's JSON records (ExecuteStatement `formatRecordsAs:
   * JSON`, answered in `formattedRecords`), whose size limit is 10 MB instead of the 1 MiB of a
   * records response (`/work/shared/data-api-reference.md`, "Limits"; the 64 KB row limit still
   * holds). That format carries no column types, so the rows follow it rather than the Field mapping:
   * the same keys and the same numbers, booleans, strings, arrays and nulls, but **bytea comes back as
   * its base64 text** (not a Uint8Array); decode it where it is selected. The `pg` driver returns the
   * same shapes. Only a statement that returns rows makes use of it.
   * @default undefined (records, the Field mapping)
   */
  readonly formatRecordsAs?: 'JSON';
  /**
   * Send the statement only once this promise has settled, and not at all when it rejects (the call then
   * rejects with the same error): for pipelining on a transaction, which takes one call at a time. The
   * Data API driver prepares the request now (the SDK serializes and signs it, about 10 ns per byte of
   * parameters: 35 ms for a 3.5 MB batch) and holds it until the call it waits for has answered, so the
   * next call leaves as soon as the last one ends instead of after its own serialization. The `pg` driver
   * waits for it, then runs the statement.
   * @default undefined (sent at once)
   */
  readonly after?: Promise<unknown>;
}

/** Something that runs statements: the driver itself (autocommit) or an open transaction. */
export interface Executor {
  /**
   * Runs exactly one SQL statement.
   * @throws {DatabaseError} on a PostgreSQL error (with its SQLSTATE)
   * @throws {DriverError} on a transport or service error (see `errors.ts` for which are transient)
   */
  execute<R extends Row = Row>(sql: string, params?: SqlParams, options?: ExecuteOptions): Promise<QueryResult<R>>;
}

/** An open transaction. After `commit` or `rollback` it may not be used again. */
export interface Transaction extends Executor {
  /** Backend id (the Data API's transactionId, or a local counter for `pg`). */
  readonly id: string;
  /** Commits, once the statements still running on the transaction have answered. */
  commit(): Promise<void>;
  /**
   * Rolls back, once the statements still running on the transaction have answered: a caller may give up
   * while one it sent (say with `after`) still runs, and roll back at once.
   */
  rollback(): Promise<void>;
}

export interface Driver extends Executor {
  /** Which backend this is, for logs and reports only: the engine must not branch on it. */
  readonly kind: 'data-api' | 'pg';
  /** The database name this driver talks to. */
  readonly database: string;
  /** Opens a transaction (Data API BeginTransaction; `BEGIN` on a dedicated `pg` connection). */
  beginTransaction(): Promise<Transaction>;
  /** Releases connections and clients. The driver may not be used afterwards. */
  close(): Promise<void>;
}
