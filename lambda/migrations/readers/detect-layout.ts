import path from 'node:path';
import { MigrationCompileError } from '../compile-error';
import { DBMATE_FILE_NAME } from './dbmate';
import { isNote, requireFolder, visibleEntries, visibleNames } from './folder-entries';
import { isFlywayName } from './flyway-names';
import { GOLANG_MIGRATE_FILE_NAME } from './golang-migrate';
import { LAYOUT_SHAPES, type MigrationLayout } from './layouts';
import { NATIVE_DATA_MODULE_FILE, NATIVE_FOLDER_NAME, NATIVE_SCRIPT_FILES } from './native-layout';

/**
 * Tells a migrations folder's layout from its entries' names:
 * - a `<version>_<name>/` folder holding `up.sql`, `down.sql` or `verify.sql`: native;
 * - a `<version>_<name>.up.sql` or `.down.sql` file: golang-migrate;
 * - a `V…__…sql`, `U…__…sql`, `R__…sql`, `*.sql.conf` or callback file, at the top level or in
 *   any other sub-folder: Flyway (which reads sub-folders);
 * - any other `<version>_<name>.sql` file: dbmate.
 * Markdown notes and names the layouts do not use say nothing (the layout's reader refuses the
 * latter, naming them). A folder with no evidence (empty, or only unrecognised names) is read as
 * native, whose reader names what does not fit.
 *
 * @param dir the migrations folder, named in errors as given
 * @throws {MigrationCompileError} naming `dir` when it holds entries of two or more layouts (with
 *   one example of each), or when it is missing or not a folder
 */
export async function detectLayout(dir: string): Promise<MigrationLayout> {
  await requireFolder(dir);
  const examples = new Map<MigrationLayout, string>();
  const note = (layout: MigrationLayout, example: string) => {
    if (!examples.has(layout)) examples.set(layout, example);
  };
  for (const entry of await visibleEntries(dir)) {
    if (entry.isDirectory) {
      if (NATIVE_FOLDER_NAME.test(entry.name) && (await holdsNativeScript(entry.path))) note('native', `${entry.name}/`);
      else {
        const flyway = await firstFlywayFile(entry.path, entry.name);
        if (flyway !== undefined) note('flyway', flyway);
      }
    } else if (isNote(entry.name)) continue;
    else if (GOLANG_MIGRATE_FILE_NAME.test(entry.name)) note('golang-migrate', entry.name);
    else if (isFlywayName(entry.name)) note('flyway', entry.name);
    else if (DBMATE_FILE_NAME.test(entry.name)) note('dbmate', entry.name);
  }
  if (examples.size > 1) {
    const found = [...examples].map(([layout, example]) => `${example} (${layout}: ${LAYOUT_SHAPES[layout]})`);
    throw new MigrationCompileError(
      `mixes migration layouts: ${found.join('; ')}. A migrations folder holds one layout: rename or move the ` +
        'entries of the other layouts (name the layout you mean with the layout option to list what does not fit it)',
      dir,
    );
  }
  return examples.keys().next().value ?? 'native';
}

async function holdsNativeScript(folder: string): Promise<boolean> {
  const names = await visibleNames(folder);
  return names.some((n) => (NATIVE_SCRIPT_FILES as readonly string[]).includes(n) || n === NATIVE_DATA_MODULE_FILE);
}

/** The first Flyway name under `folder` (depth first, sorted), as a path relative to the migrations folder. */
async function firstFlywayFile(folder: string, relative: string): Promise<string | undefined> {
  for (const entry of await visibleEntries(folder)) {
    const file = `${relative}/${entry.name}`;
    if (entry.isDirectory) {
      const found = await firstFlywayFile(path.join(folder, entry.name), file);
      if (found !== undefined) return found;
    } else if (isFlywayName(entry.name)) return file;
  }
  return undefined;
}
