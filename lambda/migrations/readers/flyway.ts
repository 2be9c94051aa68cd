import path from 'node:path';
import { versionKey } from '../compare-versions';
import { MigrationCompileError } from '../compile-error';
import type { LayoutDirectives, MigrationSource, RepeatableSource, SourceFile } from '../migration-source';
import { isNote, readSourceFile, requireFolder, visibleEntries } from './folder-entries';
import { parseFlywayName } from './flyway-names';
import { rejectFlywayPlaceholders } from './flyway-placeholders';
import { readFlywayScriptConfig } from './flyway-script-config';

/**
 * Reader of Flyway's layout (names in `flyway-names.ts`):
 *
 *     migrations/
 *       V1__create_authors.sql       versioned: version 1
 *       U1__create_authors.sql       undo: the down script of version 1
 *       V1_1__create_books.sql       version 1.1
 *       R__book_counts.sql           repeatable
 *       V2__index.sql.conf           executeInTransaction=false
 *       reporting/V3__views.sql      sub-folders are read too, as Flyway scans locations recursively
 *
 * Rules, each failing with a {@link MigrationCompileError} that names the path:
 * - every file is a Flyway script or script configuration name (Markdown notes aside); a callback,
 *   baseline migration, bad version or missing description is refused with the reason;
 * - an undo script needs the versioned script of its version, and there is one undo per version;
 *   a configuration file needs its script;
 * - no script contains a placeholder `${...}` (`flyway-placeholders.ts`);
 * - no verify scripts: Flyway has none.
 * The migration's name is the description as written (`create_authors`); a repeatable's too.
 */

interface Script {
  readonly file: string;
  readonly path: string;
}

/**
 * Reads a Flyway migrations folder.
 * @param dir the migrations folder (named in errors as given)
 * @returns the versioned migrations and the repeatable ones, in file-name order (the compiler sorts them)
 * @throws {MigrationCompileError} when `dir` is missing or not a folder, or breaks a rule above
 */
export async function readFlywayLayout(dir: string): Promise<{ migrations: MigrationSource[]; repeatables: RepeatableSource[] }> {
  await requireFolder(dir);
  const versioned: Array<Script & { version: string; description: string }> = [];
  const undos = new Map<string, Script & { version: string }>();
  const repeatables: Array<Script & { description: string }> = [];
  const configs = new Map<string, Script>(); // by the script's relative file

  const walk = async (relative: string): Promise<void> => {
    for (const entry of await visibleEntries(relative === '' ? dir : path.join(dir, ...relative.split('/')))) {
      const file = relative === '' ? entry.name : `${relative}/${entry.name}`;
      if (entry.isDirectory) {
        await walk(file);
        continue;
      }
      if (isNote(entry.name)) continue;
      const script: Script = { file, path: entry.path };
      const name = parseFlywayName(entry.name);
      if (name === undefined) {
        throw new MigrationCompileError(
          'unexpected file in a Flyway migrations folder: expected V<version>__<description>.sql, U<version>__<description>.sql, ' +
            'R__<description>.sql or <script>.sql.conf, e.g. V1__create_users.sql',
          entry.path,
        );
      }
      if (name.kind === 'invalid') throw new MigrationCompileError(`bad Flyway file name "${entry.name}": ${name.reason}`, entry.path);
      if (name.kind === 'config') configs.set(relative === '' ? name.script : `${relative}/${name.script}`, script);
      else if (name.kind === 'repeatable') repeatables.push({ ...script, description: name.description });
      else if (name.kind === 'versioned') versioned.push({ ...script, version: name.version, description: name.description });
      else {
        const earlier = undos.get(versionKey(name.version));
        if (earlier) {
          throw new MigrationCompileError(`second undo script for version ${name.version} (the first is ${earlier.path}): one undo script per version`, entry.path);
        }
        undos.set(versionKey(name.version), { ...script, version: name.version });
      }
    }
  };
  await walk('');

  const known = new Set([...versioned, ...undos.values(), ...repeatables].map((s) => s.file));
  for (const [scriptFile, config] of configs) {
    if (!known.has(scriptFile)) {
      throw new MigrationCompileError(`script configuration without its script: no ${scriptFile} beside it`, config.path);
    }
  }
  const versionKeys = new Set(versioned.map((v) => versionKey(v.version)));
  for (const undo of undos.values()) {
    if (!versionKeys.has(versionKey(undo.version))) {
      throw new MigrationCompileError(`undo script without a versioned script: no V${undo.version}__<description>.sql for version ${undo.version}`, undo.path);
    }
  }

  const read = async (script: Script): Promise<{ source: SourceFile; layoutDirectives?: LayoutDirectives }> => {
    const source = await readSourceFile(dir, script.file);
    rejectFlywayPlaceholders(source);
    const config = configs.get(script.file);
    const layoutDirectives = config ? readFlywayScriptConfig(await readSourceFile(dir, config.file)) : undefined;
    return { source, ...(layoutDirectives ? { layoutDirectives } : {}) };
  };

  const migrations: MigrationSource[] = [];
  for (const v of versioned) {
    const up = await read(v);
    const undo = undos.get(versionKey(v.version));
    // An undo script's executeInTransaction is read (and checked) but changes nothing: a down script runs in one
    // transaction unless one of its statements cannot.
    const down = undo ? (await read(undo)).source : undefined;
    migrations.push({
      version: v.version,
      name: v.description,
      location: v.path,
      up: up.source,
      ...(down ? { down } : {}),
      ...(up.layoutDirectives ? { layoutDirectives: up.layoutDirectives } : {}),
    });
  }
  const repeatableSources: RepeatableSource[] = [];
  for (const r of repeatables) {
    const up = await read(r);
    repeatableSources.push({ name: r.description, location: r.path, up: up.source, ...(up.layoutDirectives ? { layoutDirectives: up.layoutDirectives } : {}) });
  }
  return { migrations, repeatables: repeatableSources };
}
