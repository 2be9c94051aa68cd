/** Why a deployment of the migration resource failed, beyond the engine's and the verification's errors. */

/** One version a rollback `down` cannot revert, and why. */
export interface IrreversibleVersion {
  readonly version: string;
  readonly name: string;
  /** One sentence: why, and what to do instead. */
  readonly reason: string;
}

/**
 * A stack rollback with `onRollback: 'down'` found versions it cannot revert; nothing was reverted.
 * CloudFormation then reports UPDATE_ROLLBACK_FAILED: fix the database (or restore the snapshot),
 * then "continue update rollback" skipping the migration resource.
 */
export class RollbackRefusedError extends Error {
  override readonly name = 'RollbackRefusedError';
  constructor(
    readonly versions: readonly IrreversibleVersion[],
    /** The version the old bundle ends at (null: it has none). */
    readonly bundleVersion: string | null,
  ) {
    super(
      `Stack rollback (onRollback: down) refused, nothing was reverted: the old bundle ends at ${bundleVersion ?? 'no version'}, ` +
        `and ${versions.map((v) => `${v.version} (${v.name}) ${v.reason}`).join('; ')}. ` +
        'Revert by hand or restore the snapshot taken before the failed deployment, or deploy with onRollback: retain.',
    );
  }
}

/**
 * The deployment did not finish within its time limit (`DeployTimeoutSeconds`), counted from its
 * onEvent invocation: what was done stays done, the next deploy (or a manual migrate) continues.
 */
export class DeployTimeLimitError extends Error {
  override readonly name = 'DeployTimeLimitError';
  constructor(
    readonly limitSeconds: number,
    readonly applied: readonly string[],
    /** The last thing that held it up, e.g. the lock holder, when known. */
    readonly lastNote: string | null,
  ) {
    super(
      `The migration did not finish within the deploy time limit of ${limitSeconds} s` +
        `${applied.length > 0 ? ` (applied by this deployment: ${applied.join(', ')})` : ''}` +
        `${lastNote ? `; last: ${lastNote}` : ''}. ` +
        'Finish it by invoking the function with {"action":"migrate"} until it reports done, then deploy again ' +
        '(see "Long migrations" in the README).',
    );
  }
}
