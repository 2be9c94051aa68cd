/**
 * The compiler's side of TypeScript data migrations (native `up.ts`): the layout rules, the esbuild
 * bundle of each module (`data/<version>_<name>.mjs`, imports inlined, `down` read from the
 * metafile's exports), checksums, and `loadBundle` keeping the reference.
 */
import { createHash } from 'node:crypto';
import { cp, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lintMigrationsFolder } from '../../lambda/lint';
import type { MigrationBundle } from '../../lambda/migrations/bundle';
import { compileMigrations } from '../../lambda/migrations/compile';
import { InvalidBundleError, loadBundle } from '../../lambda/migrations/load-bundle';
import { detectLayout } from '../../lambda/migrations/readers/detect-layout';
import { bundleToJson, writeBundleFile } from '../../lambda/migrations/write-bundle';
import { writeFolder } from '../support/write-folder';
import { compileError } from '../support/compile-error';

const FIXTURES = fileURLToPath(new URL('../fixtures/data-migrations', import.meta.url));
const fixture = (name: string) => path.join(FIXTURES, name);
const sha256 = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), 'rds-migrate-data-compile-'));
});
afterAll(() => rm(scratch, { recursive: true, force: true }));

/** A migrations folder made of `files` (relative path → content), inside the scratch folder. */
function folderOf(files: Record<string, string>): Promise<string> {
  return writeFolder(scratch, files);
}

/** A copy of the `app` fixture with its `shared/` helper beside it, as the module imports it (`../../shared`). */
async function copyOfApp(): Promise<string> {
  const root = await mkdtemp(path.join(scratch, 'app-'));
  await cp(fixture('app'), path.join(root, 'app'), { recursive: true });
  await cp(fixture('shared'), path.join(root, 'shared'), { recursive: true });
  return path.join(root, 'app');
}

describe('a native folder with a data migration (up.ts)', () => {
  let bundle: MigrationBundle;
  beforeAll(async () => {
    bundle = await compileMigrations(fixture('app'));
  });

  it('is read as the native layout', async () => {
    expect(await detectLayout(fixture('app'))).toBe('native');
    expect(await detectLayout(fixture('no-down'))).toBe('native');
  });

  it('compiles up.ts into a migration with a data reference: the source checksummed, no statements, not transactional', async () => {
    const source = await readFile(path.join(fixture('app'), '0002_backfill_amount_cents/up.ts'));
    const data = bundle.migrations[1]!;
    expect(data).toMatchObject({
      version: '0002',
      name: 'backfill_amount_cents',
      checksum: sha256(source),
      transactional: false,
      up: { file: '0002_backfill_amount_cents/up.ts', checksum: sha256(source), statements: [] },
      data: { module: 'data/0002_backfill_amount_cents.mjs', down: true },
    });
    expect(data.down).toBeUndefined();
    expect(data.directives).toBeUndefined();
    // verify.sql next to up.ts is compiled as any verify script.
    expect(data.verify?.statements.map((s) => s.line)).toEqual([1]);
    // The SQL migrations around it are as usual.
    expect(bundle.migrations.map((m) => [m.version, m.data === undefined, m.transactional])).toEqual([
      ['0001', true, true],
      ['0002', false, false],
      ['0003', true, true],
    ]);
  });

  it('reads down from the module\'s exports: a module without down is irreversible', async () => {
    const forwardOnly = await compileMigrations(fixture('no-down'));
    expect(forwardOnly.migrations[0]!.data).toEqual({ module: 'data/0001_forward_only.mjs' });
    // A comment or string mentioning "export async function down" does not count: only real exports do.
    const dir = await folderOf({
      '0001_x/up.ts': '// export async function down(ctx) {}\nexport const note = "export function down() {}";\nexport async function up(): Promise<void> {}\n',
    });
    expect((await compileMigrations(dir)).migrations[0]!.data).toEqual({ module: 'data/0001_x.mjs' });
  });

  it('writes nothing without an output folder; with one, a self-contained ES module per data migration', async () => {
    const app = await copyOfApp();
    const outDir = await mkdtemp(path.join(scratch, 'out-'));
    const written = await writeBundleFile(app, path.join(outDir, 'migrations.json'));
    expect(written).toEqual(bundle);
    expect(await readdir(outDir)).toEqual(['data', 'migrations.json']);
    expect(await readdir(path.join(outDir, 'data'))).toEqual(['0002_backfill_amount_cents.mjs']);
    expect(await readdir(app)).not.toContain('data');

    // Imported from a folder of its own (no shared/ helper, no rds-migrate next to it): every import was inlined.
    const alone = await mkdtemp(path.join(scratch, 'alone-'));
    await cp(path.join(outDir, 'data', '0002_backfill_amount_cents.mjs'), path.join(alone, 'module.mjs'));
    const text = await readFile(path.join(alone, 'module.mjs'), 'utf8');
    expect(text).toContain('round(${column} * 100)::bigint');
    expect(text).not.toMatch(/from ["'][^"']*shared/);
    const module = (await import(pathToFileURL(path.join(alone, 'module.mjs')).href)) as Record<string, unknown>;
    expect([typeof module.up, typeof module.down]).toEqual(['function', 'function']);
  });

  it('gives the same bundle (and module bytes) wherever the folder is', async () => {
    const [a, b] = [await mkdtemp(path.join(scratch, 'a-')), await mkdtemp(path.join(scratch, 'b-'))];
    await writeBundleFile(await copyOfApp(), path.join(a, 'migrations.json'));
    await writeBundleFile(fixture('app'), path.join(b, 'migrations.json'));
    expect(await readFile(path.join(a, 'migrations.json'), 'utf8')).toBe(await readFile(path.join(b, 'migrations.json'), 'utf8'));
    const module = 'data/0002_backfill_amount_cents.mjs';
    expect(await readFile(path.join(a, module), 'utf8')).toBe(await readFile(path.join(b, module), 'utf8'));
  });

  it('checksums: editing the module changes the migration\'s checksum; adding or removing down changes the bundle\'s', async () => {
    const app = await copyOfApp();
    const upFile = path.join(app, '0002_backfill_amount_cents/up.ts');
    const original = await readFile(upFile, 'utf8');

    await writeFile(upFile, original.replace('batchSize: 1000', 'batchSize: 2000'));
    const edited = await compileMigrations(app);
    expect(edited.migrations[1]!.checksum).not.toBe(bundle.migrations[1]!.checksum);
    expect(edited.checksum).not.toBe(bundle.checksum);

    // Without down: the data reference changes, and the bundle checksum covers it.
    const withoutDown = original.replace('export async function down(', 'async function revert(');
    await writeFile(upFile, withoutDown);
    const irreversible = await compileMigrations(app);
    expect(irreversible.migrations[1]!.data).toEqual({ module: 'data/0002_backfill_amount_cents.mjs' });
    const json = JSON.parse(bundleToJson(irreversible));
    json.migrations[1].data.down = true;
    expect(() => loadBundle(json)).toThrow(/checksum: does not match the migrations' checksums/);
  });

  it('leaves data migrations out of the SQL linter', async () => {
    const report = await lintMigrationsFolder(fixture('app'));
    expect(report.findings.map((f) => f.file).filter((f) => f.endsWith('.ts'))).toEqual([]);
  });
});

describe('data migration layout rules and errors', () => {
  it('refuses up.sql and up.ts in one folder, naming the folder', async () => {
    const error = await compileError(fixture('up-sql-and-ts'));
    expect(error.file).toBe(path.join(fixture('up-sql-and-ts'), '0001_both'));
    expect(error.reason).toContain('migration folder has both up.sql and up.ts');
  });

  it('refuses down.sql next to up.ts, naming down.sql', async () => {
    const error = await compileError(fixture('down-sql-next-to-ts'));
    expect(error.file).toBe(path.join(fixture('down-sql-next-to-ts'), '0001_with_down', 'down.sql'));
    expect(error.reason).toContain('down.sql next to up.ts: a data migration is reverted by the down(ctx) function its module exports');
  });

  it('refuses a module that does not export up, naming up.ts and what it exports', async () => {
    const error = await compileError(fixture('no-up-export'));
    expect(error.file).toBe(path.join(fixture('no-up-export'), '0001_default_export', 'up.ts'));
    expect(error.reason).toContain('the data migration exports no up function (it exports default)');
  });

  it('refuses a module that does not bundle, naming file:line:column', async () => {
    const broken = await folderOf({ '0001_broken/up.ts': 'export async function up(): Promise<void> {\n  const x = ;\n}\n' });
    const syntax = await compileError(broken);
    expect(syntax.message).toBe(`${path.join(broken, '0001_broken', 'up.ts')}:2:13: cannot bundle the data migration (esbuild): Unexpected ";"`);

    const missing = await folderOf({ '0001_helper/up.ts': "import { helper } from './no-such-helper';\nexport async function up(): Promise<void> {\n  helper();\n}\n" });
    const unresolved = await compileError(missing);
    expect([unresolved.file, unresolved.line, unresolved.column]).toEqual([path.join(missing, '0001_helper', 'up.ts'), 1, 24]);
    expect(unresolved.reason).toContain('Could not resolve "./no-such-helper"');
  });

  it('names up.ts among the files a migration folder may hold', async () => {
    const dir = await folderOf({ '0001_x/up.ts': 'export async function up() {}\n', '0001_x/helper.ts': 'export const x = 1;\n' });
    const error = await compileError(dir);
    expect(error.reason).toContain('unknown file "helper.ts" in migration folder');
    expect(error.reason).toContain('(or up.ts, a TypeScript data migration, and verify.sql)');
  });
});

describe('loadBundle with data migrations', () => {
  let json: () => any;
  beforeAll(async () => {
    const text = bundleToJson(await compileMigrations(fixture('app')));
    json = () => JSON.parse(text);
  });

  function issues(input: unknown): string[] {
    try {
      loadBundle(input);
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidBundleError);
      return (error as InvalidBundleError).issues;
    }
    throw new Error('expected loadBundle to throw');
  }

  it('keeps the data reference', () => {
    expect(loadBundle(json()).migrations[1]!.data).toEqual({ module: 'data/0002_backfill_amount_cents.mjs', down: true });
  });

  it('refuses a module path outside the bundle\'s folder or not an ES module file', () => {
    for (const module of ['../0002.mjs', '/var/task/data/0002.mjs', 'data/../../x.mjs', 'data\\0002.mjs', 'data//0002.mjs', './data/0002.mjs', 'data/0002.js', '']) {
      const input = json();
      input.migrations[1].data.module = module;
      expect(issues(input), module).toEqual([
        "migrations[1].data.module: expected a relative path inside the bundle's folder ending in .mjs, e.g. data/0042_backfill.mjs",
      ]);
    }
  });

  it('refuses a data migration with statements, a down script, directives or in one transaction', () => {
    const input = json();
    const sql = input.migrations[0];
    Object.assign(input.migrations[1], { transactional: true, down: sql.down, directives: { retries: 1 } });
    input.migrations[1].up.statements = sql.up.statements;
    expect(issues(input)).toEqual([
      "migrations[1].up.statements: a data migration's up script is its module's source, with no statements",
      "migrations[1].down: a data migration has no down script (its module's down function reverts it)",
      'migrations[1].directives: a data migration takes no directives',
      'migrations[1].transactional: a data migration is never run in one transaction',
    ]);
  });
});
