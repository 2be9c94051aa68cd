/**
 * The run state of one CloudFormation request, in `rds_migrate.deployments` (see `deploy-tables.ts`).
 * The onEvent invocation starts it; each isComplete poll reads it, advances the work and writes what
 * it did, so that a deployment spread over several invocations answers one result: the versions
 * applied by all of them, the one snapshot taken before the first, and its start time on the database
 * clock (the deploy time limit counts from it).
 *
 * Every write is an idempotent UPDATE or upsert of whole values (never an append), so it is sent again
 * after a transient failure. Values are names, versions and ids: never row data.
 */
import type { Driver } from '../../driver/driver';
import { resendable } from '../../engine/run/transient';
import type { CustomResourceData } from '../../events/custom-resource-event';
import type { Log } from '../../observability/log';
import { DEPLOYMENTS_TABLE, type DeploymentState } from './deploy-tables';

/** What the deployment did so far: `migrate` forward, or a stack rollback handled by `retain` / `down`. */
export type DeploymentAction = 'migrate' | 'retain' | 'down';

/** One deployment's row, as read back. */
export interface DeploymentRecord {
  readonly requestId: string;
  readonly requestType: string;
  readonly state: DeploymentState;
  readonly action: DeploymentAction | null;
  /** Time since the onEvent invocation started it, ms, on the database clock. */
  readonly elapsedMs: number;
  /** Invocations that worked on it (onEvent counts as the first). */
  readonly invocations: number;
  /** The snapshot taken before the first change, once taken. */
  readonly snapshotId: string | null;
  /** Versions applied by this deployment, in order. */
  readonly applied: readonly string[];
  /** Versions reverted by this deployment (rollback `down`), highest first. */
  readonly reverted: readonly string[];
  /** The attributes answered once it succeeded. */
  readonly result: CustomResourceData | null;
  /** The failure reason once it failed; while running, the last thing that held it up (a lock holder). */
  readonly reason: string | null;
}

/** Identifies the request a deployment row is for. */
export interface DeploymentRequest {
  /** CloudFormation's RequestId (unique per stack operation and resource). */
  readonly requestId: string;
  readonly requestType: 'Create' | 'Update';
  readonly logicalResourceId?: string;
  readonly migrationsChecksum: string;
}

interface RawRecord extends Record<string, string | number | null> {
  request_id: string;
  request_type: string;
  state: string;
  action: string | null;
  elapsed_ms: number;
  invocations: number;
  snapshot_id: string | null;
  applied: string;
  reverted: string;
  result: string | null;
  reason: string | null;
}

const COLUMNS = `request_id, request_type, state, action, (extract(epoch FROM now() - started_at) * 1000)::bigint AS elapsed_ms,
  invocations, snapshot_id, applied, reverted, result, reason`;

function list(text: string): string[] {
  return text === '' ? [] : text.split(',');
}

function toRecord(raw: RawRecord): DeploymentRecord {
  return {
    requestId: raw.request_id,
    requestType: raw.request_type,
    state: raw.state as DeploymentState,
    action: raw.action as DeploymentAction | null,
    elapsedMs: Number(raw.elapsed_ms),
    invocations: raw.invocations,
    snapshotId: raw.snapshot_id,
    applied: list(raw.applied),
    reverted: list(raw.reverted),
    result: raw.result === null ? null : (JSON.parse(raw.result) as CustomResourceData),
    reason: raw.reason,
  };
}

/**
 * Starts (or, for a request CloudFormation or Lambda sent again, restarts) a deployment: state
 * `running`, nothing applied, no snapshot, started now. Cost: one call.
 * @returns the new row
 */
export async function startDeployment(driver: Driver, log: Log, request: DeploymentRequest): Promise<DeploymentRecord> {
  const { rows } = await resendable('start the deployment record', undefined, log, () =>
    driver.execute<RawRecord>(
      `INSERT INTO ${DEPLOYMENTS_TABLE} (request_id, request_type, logical_resource_id, migrations_checksum, state)
VALUES (:request_id, :request_type, :logical_resource_id, :checksum, 'running')
ON CONFLICT (request_id) DO UPDATE SET request_type = EXCLUDED.request_type, logical_resource_id = EXCLUDED.logical_resource_id,
  migrations_checksum = EXCLUDED.migrations_checksum, state = 'running', action = NULL, started_at = now(), updated_at = now(),
  invocations = 1, snapshot_id = NULL, applied = '', reverted = '', result = NULL, reason = NULL
RETURNING ${COLUMNS}`,
      {
        request_id: request.requestId,
        request_type: request.requestType,
        logical_resource_id: request.logicalResourceId ?? null,
        checksum: request.migrationsChecksum,
      },
    ),
  );
  return toRecord(rows[0]!);
}

/**
 * Reads a deployment for an isComplete poll and counts the poll's invocation. Cost: one call.
 * @returns the row, or undefined when there is none (the onEvent invocation ran older code)
 */
export async function resumeDeployment(driver: Driver, log: Log, requestId: string): Promise<DeploymentRecord | undefined> {
  const { rows } = await resendable('read the deployment record', undefined, log, () =>
    driver.execute<RawRecord>(
      `UPDATE ${DEPLOYMENTS_TABLE} SET invocations = invocations + 1, updated_at = now() WHERE request_id = :request_id RETURNING ${COLUMNS}`,
      { request_id: requestId },
    ),
  );
  return rows[0] ? toRecord(rows[0]) : undefined;
}

/** What an invocation changes in the row; absent fields stay. */
export interface DeploymentUpdate {
  readonly state?: DeploymentState;
  readonly action?: DeploymentAction;
  readonly snapshotId?: string;
  /** The whole list of versions applied so far (not only this invocation's). */
  readonly applied?: readonly string[];
  readonly reverted?: readonly string[];
  readonly result?: CustomResourceData;
  readonly reason?: string;
}

/**
 * Writes an invocation's progress or outcome. Cost: one call.
 * @returns the row as written
 */
export async function updateDeployment(driver: Driver, log: Log, requestId: string, update: DeploymentUpdate): Promise<DeploymentRecord> {
  const { rows } = await resendable('write the deployment record', undefined, log, () =>
    driver.execute<RawRecord>(
      `UPDATE ${DEPLOYMENTS_TABLE} SET updated_at = now(),
  state = coalesce(:state, state), action = coalesce(:action, action), snapshot_id = coalesce(:snapshot_id, snapshot_id),
  applied = coalesce(:applied, applied), reverted = coalesce(:reverted, reverted), result = coalesce(:result, result),
  reason = coalesce(:reason, reason)
WHERE request_id = :request_id
RETURNING ${COLUMNS}`,
      {
        request_id: requestId,
        state: update.state ?? null,
        action: update.action ?? null,
        snapshot_id: update.snapshotId ?? null,
        applied: update.applied ? update.applied.join(',') : null,
        reverted: update.reverted ? update.reverted.join(',') : null,
        result: update.result ? JSON.stringify(update.result) : null,
        reason: update.reason ?? null,
      },
    ),
  );
  if (!rows[0]) throw new Error(`The deployment record of request ${requestId} is gone: it was deleted while the deployment ran`);
  return toRecord(rows[0]);
}
