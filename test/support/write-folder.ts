import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * A new folder inside `parent` (a unique `made-*` name) holding `files`: relative path → content,
 * sub-folders created as the paths need. Tests build migrations folders of every layout with it.
 * @returns the folder's absolute path
 */
export async function writeFolder(parent: string, files: Record<string, string | Buffer>): Promise<string> {
  const dir = await mkdtemp(path.join(parent, 'made-'));
  for (const [file, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await writeFile(path.join(dir, file), content);
  }
  return dir;
}
