/**
 * The function's own bookkeeping for CloudFormation deployments, next to the engine's schema history in
 * the `rds_migrate` schema (the engine owns `schema_history`, `lock`, `backfill_progress`; these two
 * tables are the function's):
 *
 * - `deployments`: one row per CloudFormation request (keyed by its RequestId): the run state the
 *   Provider framework's isComplete polls read and advance (see `deployment-record.ts`).
 * - `down_scripts`: the down scripts of every reversible migration a deployment shipped, stored
 *   before it migrates (see `down-script-store.ts`). During a stack rollback the function runs the
 *   OLD code with the OLD bundle, which does not have the newer migrations' down scripts; this table
 *   does (as Sqitch keeps its revert scripts in its registry).
 */
import type { Driver } from '../../driver/driver';
import { withTransaction } from '../../driver/transaction';
import { quoteIdentifier } from '../../driver/quote-identifier';
import { DEFAULT_HISTORY_SCHEMA } from '../../engine/history/tables';
import { resendable } from '../../engine/run/transient';
import type { Log } from '../../observability/log';

/** The schema of the bookkeeping: the engine's default history schema, which the function uses. */
export const DEPLOY_SCHEMA = DEFAULT_HISTORY_SCHEMA;

const schema = quoteIdentifier(DEPLOY_SCHEMA);

/** `"rds_migrate"."deployments"`. */
export const DEPLOYMENTS_TABLE = `${schema}."deployments"`;

/** `"rds_migrate"."down_scripts"`. */
export const DOWN_SCRIPTS_TABLE = `${schema}."down_scripts"`;

/** The run states of a deployment row. */
export const DEPLOYMENT_STATES = ['running', 'succeeded', 'failed'] as const;
export type DeploymentState = (typeof DEPLOYMENT_STATES)[number];

const CREATE_DEPLOYMENTS = `CREATE TABLE IF NOT EXISTS ${DEPLOYMENTS_TABLE} (
  request_id text PRIMARY KEY,
  request_type text NOT NULL,
  logical_resource_id text,
  migrations_checksum text NOT NULL,
  state text NOT NULL CHECK (state IN (${DEPLOYMENT_STATES.map((s) => `'${s}'`).join(', ')})),
  action text,
  started_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  invocations integer NOT NULL DEFAULT 1,
  snapshot_id text,
  applied text NOT NULL DEFAULT '',
  reverted text NOT NULL DEFAULT '',
  result text,
  reason text
)`;

const CREATE_DOWN_SCRIPTS = `CREATE TABLE IF NOT EXISTS ${DOWN_SCRIPTS_TABLE} (
  version_key text PRIMARY KEY,
  version text NOT NULL,
  name text NOT NULL,
  checksum text NOT NULL,
  down_checksum text NOT NULL,
  migration text NOT NULL,
  stored_at timestamptz NOT NULL DEFAULT now(),
  stored_by text NOT NULL
)`;

const PRESENT = `SELECT to_regclass(:deployments) IS NOT NULL AND to_regclass(:downs) IS NOT NULL AS present`;

/**
 * Creates the schema and both tables when missing. Cost: one call when they exist; otherwise a short
 * transaction holding the same transaction-level advisory lock as the engine's `ensureSchemaHistory`
 * (so concurrent `CREATE SCHEMA IF NOT EXISTS` never collide on the catalogs). Idempotent, so the
 * whole of it is sent again after a transient failure (Serverless v2 resuming, throttling).
 * @throws {DatabaseError} when the role may not create them (SQLSTATE 42501)
 */
export async function ensureDeployTables(driver: Driver, log: Log): Promise<void> {
  const names = { deployments: DEPLOYMENTS_TABLE, downs: DOWN_SCRIPTS_TABLE };
  await resendable('create the deployment bookkeeping', undefined, log, async () => {
    const { rows } = await driver.execute<{ present: boolean }>(PRESENT, names);
    if (rows[0]?.present) return;
    await withTransaction(driver, async (tx) => {
      await tx.execute(`SELECT pg_advisory_xact_lock(hashtext(:key))::text AS locked`, { key: `rds-migrate:ensure:${DEPLOY_SCHEMA}` });
      await tx.execute(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
      await tx.execute(CREATE_DEPLOYMENTS);
      await tx.execute(CREATE_DOWN_SCRIPTS);
    });
  });
}
