import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { FAKTULOVE_MIGRATIONS } from '../../../examples/faktulove/load-example';

export const FAKTULOVE_FOLDERS = ['0022_add_ocr_indexes', '0023_add_ocr_constraints'] as const;

/** A throwaway project folder the CLI runs in. */
export interface TestProject {
  readonly dir: string;
  /** Absolute path of `relative` inside the project. */
  path(relative: string): string;
  write(relative: string, text: string): Promise<void>;
  read(relative: string): Promise<string>;
  remove(relative: string): Promise<void>;
  /**
   * Copies the FaktuLove example's first two migrations to `migrations/`: 0022 (five indexes built
   * CONCURRENTLY, statement by statement, with down and verify) and 0023 (a clean-up and two CHECK
   * constraints in one transaction, with down and verify). Later example migrations are left out so
   * that the tests do not change when the example grows.
   */
  copyFaktuLove(): Promise<void>;
  /** Deletes the project folder. */
  dispose(): Promise<void>;
}

export async function createProject(prefix = 'cli'): Promise<TestProject> {
  const dir = await mkdtemp(path.join(os.tmpdir(), `rds-migrate-${prefix}-`));
  const at = (relative: string) => path.join(dir, relative);
  return {
    dir,
    path: at,
    async write(relative, text) {
      await mkdir(path.dirname(at(relative)), { recursive: true });
      await writeFile(at(relative), text);
    },
    read: (relative) => readFile(at(relative), 'utf8'),
    remove: (relative) => rm(at(relative), { recursive: true, force: true }),
    async copyFaktuLove() {
      for (const folder of FAKTULOVE_FOLDERS) {
        await cp(path.join(FAKTULOVE_MIGRATIONS, folder), at(path.join('migrations', folder)), { recursive: true });
      }
    },
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
}
