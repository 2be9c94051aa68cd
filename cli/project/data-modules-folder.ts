import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Session } from '../session';

/**
 * A fresh temporary folder for this run's bundled data migration modules (the compiler writes
 * `data/<version>_<name>.mjs` into it, as next to the function's `migrations.json`; the actions load
 * them from there with `moduleLoader`). Removed by the session's clean-ups when the command ends.
 */
export async function dataModulesFolder(session: Session): Promise<string> {
  const folder = await mkdtemp(path.join(os.tmpdir(), 'rds-migrate-cli-data-'));
  session.onCleanup(() => rm(folder, { recursive: true, force: true }));
  return folder;
}
