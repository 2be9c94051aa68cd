import os from 'node:os';

/**
 * Who runs the CLI, as recorded in the schema history's `applied_by` and shown as the lock's owner:
 * `--applied-by`, else `cli:<user>@<host>` (the function records `lambda:<function name>`).
 * At most 200 characters (the engine's limit, `checkAppliedBy`).
 */
export function appliedBy(flag: string | undefined): string {
  if (flag !== undefined && flag.trim() !== '') return flag.slice(0, 200);
  let user = 'unknown';
  try {
    user = os.userInfo().username;
  } catch {
    // No passwd entry (some containers): keep "unknown".
  }
  return `cli:${user}@${os.hostname()}`.slice(0, 200);
}
