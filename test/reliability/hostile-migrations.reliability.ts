/**
 * Hostile and malformed migration files and bundles.
 *
 * The compiler (`compileMigrations`, run at synth time) gets folders whose `up.sql` is random bytes,
 * valid SQL with a byte sequence that is not UTF-8 on some line, an unterminated dollar quote,
 * thousands of statements with one broken, a statement over the Data API's 65,536 characters, and
 * a 16 MB file: each compiles, or fails with a MigrationCompileError naming the file (and the line
 * where it makes sense); nothing else escapes.
 *
 * The function gets a `migrations.json` that is random bytes, arbitrary JSON, or a valid bundle with
 * one field changed: every run fails with a clear error naming the bundle, and nothing is applied.
 */
import fc from 'fast-check';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { PgDriver } from '../../lambda/driver/pg/pg-driver';
import { createHandler } from '../../lambda/function/create-handler';
import type { MigrationBundle } from '../../lambda/migrations/bundle';
import { compileMigrations } from '../../lambda/migrations/compile';
import { MigrationCompileError } from '../../lambda/migrations/compile-error';
import { loadBundle } from '../../lambda/migrations/load-bundle';
import { bundleToJson } from '../../lambda/migrations/write-bundle';
import { recordFigures } from './support/figures';
import { crashReason, settle } from './support/outcome';
import { createScratchDatabase, type ScratchDatabase } from './support/scratch-database';
import { SHOP_MIGRATIONS, SHOP_SEED_SQL } from './support/shop-fixture';

const AREA = 'hostile migration files and bundles';

let root: string;
let folders = 0;
beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'rds-migrate-hostile-migrations-'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

/** Writes `0001_hostile/up.sql` (plus a valid 0002) in a new folder; returns the folder and the up.sql path. */
async function migrationsWith(up: Uint8Array | string): Promise<{ dir: string; file: string }> {
  const dir = path.join(root, `m${++folders}`);
  await mkdir(path.join(dir, '0001_hostile'), { recursive: true });
  await mkdir(path.join(dir, '0002_fine'), { recursive: true });
  const file = path.join(dir, '0001_hostile', 'up.sql');
  await writeFile(file, up);
  await writeFile(path.join(dir, '0002_fine', 'up.sql'), 'CREATE TABLE fine (id int PRIMARY KEY);\n');
  return { dir, file };
}

interface CompileOutcome {
  readonly bundle?: MigrationBundle;
  readonly error?: MigrationCompileError;
  /** Set when compiling failed without a clear report. */
  readonly crash?: string;
}

async function compile(dir: string): Promise<CompileOutcome> {
  try {
    return { bundle: await compileMigrations(dir) };
  } catch (error) {
    if (error instanceof MigrationCompileError) return { error };
    return { crash: crashReason(error) ?? `not a MigrationCompileError: ${(error as Error).name}: ${(error as Error).message.slice(0, 200)}` };
  }
}

const SQL_LINES = ['CREATE TABLE a (id int PRIMARY KEY);', "INSERT INTO a VALUES (1);", 'ALTER TABLE a ADD COLUMN b text;', "UPDATE a SET b = 'x';", 'CREATE INDEX a_b ON a (b);'];

describe('hostile migration files', () => {
  it('random bytes: compiled, or refused naming the file', async () => {
    let fuzzed = 0;
    let crashes = 0;
    const problems: string[] = [];
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.uint8Array({ maxLength: 3000 }), fc.string({ unit: 'binary', maxLength: 2000 }).map((s) => Buffer.from(s, 'utf8'))), async (bytes) => {
        fuzzed++;
        const { dir, file } = await migrationsWith(bytes);
        const outcome = await compile(dir);
        if (outcome.crash) {
          crashes++;
          problems.push(`${Buffer.from(bytes).toString('hex').slice(0, 80)}: ${outcome.crash}`);
        } else if (outcome.error && !outcome.error.message.startsWith(file)) {
          problems.push(`error does not start with the file: ${outcome.error.message.slice(0, 200)}`);
        }
        await rm(dir, { recursive: true, force: true });
        return true;
      }),
      { numRuns: 300 },
    );
    recordFigures(AREA, { inputsFuzzed: fuzzed, crashes });
    expect(problems).toEqual([]);
  }, 120_000);

  it('a byte sequence that is not UTF-8: refused naming the file and its line', async () => {
    let fuzzed = 0;
    let crashes = 0;
    const invalid = fc.constantFrom([0xff], [0xc3], [0xe2, 0x28, 0xa1], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xc0, 0xaf]);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.constantFrom(...SQL_LINES), { minLength: 1, maxLength: 30 }), fc.nat(), invalid, async (lines, at, bad) => {
        fuzzed++;
        const line = at % lines.length;
        const parts = lines.map((l, i) => (i === line ? Buffer.concat([Buffer.from(`-- note `), Buffer.from(bad), Buffer.from(`\n${l}\n`)]) : Buffer.from(`${l}\n`)));
        // The invalid bytes sit on line `line + 1` of the parts before it, each one line, the comment on its own.
        const { dir, file } = await migrationsWith(Buffer.concat(parts));
        const outcome = await compile(dir);
        await rm(dir, { recursive: true, force: true });
        if (outcome.crash) crashes++;
        return outcome.error?.message.startsWith(`${file}:${line + 1}: is not valid UTF-8`) === true;
      }),
      { numRuns: 200 },
    );
    recordFigures(AREA, { inputsFuzzed: fuzzed, crashes });
  }, 120_000);

  it('an unterminated dollar quote anywhere: refused naming the file and a line', async () => {
    let fuzzed = 0;
    let crashes = 0;
    const opener = fc.constantFrom('DO $$ BEGIN PERFORM 1;', 'CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $body$ SELECT 1;', "SELECT $tag$ it's open", 'SELECT $a$ x $b$;', 'COMMENT ON TABLE a IS $q$ note');
    await fc.assert(
      fc.asyncProperty(fc.array(fc.constantFrom(...SQL_LINES), { maxLength: 20 }), fc.nat(), opener, async (lines, at, open) => {
        fuzzed++;
        const index = lines.length === 0 ? 0 : at % (lines.length + 1);
        const text = [...lines.slice(0, index), open, ...lines.slice(index)].join('\n');
        const { dir, file } = await migrationsWith(text);
        const outcome = await compile(dir);
        await rm(dir, { recursive: true, force: true });
        if (outcome.crash) crashes++;
        return outcome.error !== undefined && new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+`).test(outcome.error.message);
      }),
      { numRuns: 200 },
    );
    recordFigures(AREA, { inputsFuzzed: fuzzed, crashes });
  }, 120_000);

  it('thousands of statements: all compiled, or the one broken statement named by its line', async () => {
    let fuzzed = 0;
    let crashes = 0;
    const count = 4000;
    const statements = Array.from({ length: count }, (_, i) => `INSERT INTO a VALUES (${i});`);
    const fine = await migrationsWith(`CREATE TABLE a (id int PRIMARY KEY);\n${statements.join('\n')}\n`);
    const whole = await compile(fine.dir);
    fuzzed++;
    expect(whole.crash).toBeUndefined();
    expect(whole.bundle?.migrations[0]?.up.statements).toHaveLength(count + 1);
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: count - 1 }), fc.constantFrom('INSERT INTO a VALUES (;', "INSERT INTO a VALUES ('x);", 'INSERT INTO a VALUS (1);', 'BEGIN;', 'COMMIT;'), async (broken, bad) => {
        fuzzed++;
        const text = ['CREATE TABLE a (id int PRIMARY KEY);', ...statements.map((s, i) => (i === broken ? bad : s))].join('\n');
        const { dir, file } = await migrationsWith(text);
        const outcome = await compile(dir);
        await rm(dir, { recursive: true, force: true });
        if (outcome.crash) crashes++;
        // Line of the broken statement: after the CREATE TABLE line. An unterminated quote is
        // reported where the quote opens, the same line.
        return outcome.error?.message.startsWith(`${file}:${broken + 2}`) === true;
      }),
      { numRuns: 25 },
    );
    recordFigures(AREA, { inputsFuzzed: fuzzed, crashes });
  }, 180_000);

  it('huge files: a statement over the Data API limit is refused by line; 16 MB of SQL compiles or is refused, without crashing', async () => {
    let crashes = 0;
    const long = await migrationsWith(`CREATE TABLE a (id int PRIMARY KEY);\n\nINSERT INTO a SELECT 1 WHERE '${'x'.repeat(70_000)}' <> '';\n`);
    const longOutcome = await compile(long.dir);
    if (longOutcome.crash) crashes++;
    expect(longOutcome.error?.message).toMatch(new RegExp(`^${long.file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3(:\\d+)?: statement is 70\\d{3} characters long; the RDS Data API accepts at most 65536`));

    const line = `INSERT INTO a VALUES (1); -- ${'padding '.repeat(10)}\n`;
    const huge = await migrationsWith(`CREATE TABLE a (id int PRIMARY KEY);\n${line.repeat(Math.ceil((16 * 1024 * 1024) / line.length))}`);
    const hugeOutcome = await compile(huge.dir);
    if (hugeOutcome.crash) crashes++;
    recordFigures(AREA, { inputsFuzzed: 2, crashes });
    expect(hugeOutcome.crash).toBeUndefined();
    expect(hugeOutcome.bundle !== undefined || hugeOutcome.error?.message.startsWith(huge.file) === true).toBe(true);
  }, 180_000);
});

describe('hostile bundles given to the function', () => {
  let db: ScratchDatabase;
  let valid: MigrationBundle;
  beforeAll(async () => {
    db = await createScratchDatabase(inject('pgAdminUrl'), 'rel_hostile_bundle');
    await db.sql(SHOP_SEED_SQL);
    valid = await compileMigrations(SHOP_MIGRATIONS);
  }, 60_000);
  afterAll(() => db?.drop());

  /** Sets one field (by a random path through the bundle) to a hostile value. */
  function mutate(bundle: MigrationBundle, choices: number[], value: unknown): unknown {
    const copy = JSON.parse(bundleToJson(bundle)) as unknown;
    let node = copy as Record<string, unknown>;
    for (const [depth, choice] of choices.entries()) {
      const keys = Object.keys(node);
      if (keys.length === 0) break;
      const key = keys[choice % keys.length]!;
      const child = node[key];
      if (depth === choices.length - 1 || typeof child !== 'object' || child === null) {
        node[key] = value;
        break;
      }
      node = child as Record<string, unknown>;
    }
    return copy;
  }

  /** The first path at which two JSON values differ ('' when equal). */
  function describeDifference(a: unknown, b: unknown, at = ''): string {
    if (JSON.stringify(a) === JSON.stringify(b)) return '';
    if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return at || '(root)';
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
      const d = describeDifference((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], `${at}.${Array.isArray(a) ? '[]' : key}`);
      if (d) return d;
    }
    return at;
  }

  it('refuses every malformed or tampered bundle naming it, and applies nothing', async () => {
    let fuzzed = 0;
    let crashes = 0;
    const problems: string[] = [];
    const accepted: string[] = [];
    const tampered = fc
      .tuple(fc.array(fc.nat(), { minLength: 1, maxLength: 6 }), fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.boolean(), fc.constant('DROP TABLE accounts'), fc.array(fc.string(), { maxLength: 2 })))
      .map(([choices, value]) => JSON.stringify(mutate(valid, choices, value)));
    const bundles = fc.oneof(
      tampered,
      fc.jsonValue().map((v) => JSON.stringify(v)),
      fc.uint8Array({ maxLength: 500 }).map((b) => Buffer.from(b).toString('latin1')),
      fc.constant(''),
      fc.constant(bundleToJson(valid).slice(0, 200)),
    );
    await fc.assert(
      fc.asyncProperty(bundles, async (text) => {
        fuzzed++;
        // A bundle the validation accepts (a mutation that changed nothing, or a field no rule covers,
        // such as a migration's name) would run: it is listed for the report, not run.
        let validates = false;
        try {
          loadBundle(JSON.parse(text), 'fuzzed');
          validates = true;
        } catch {
          // refused: the function must refuse it too, naming the bundle, before touching the database
        }
        if (validates) {
          accepted.push(text);
          return true;
        }
        const taskRoot = await mkdtemp(path.join(root, 'task-'));
        const bundlePath = path.join(taskRoot, 'migrations.json');
        await writeFile(bundlePath, text, 'latin1');
        const handler = createHandler({
          env: { RDS_MIGRATE_CLUSTER_ARN: 'arn:c', RDS_MIGRATE_SECRET_ARN: 'arn:s', RDS_MIGRATE_DATABASE: db.name, RDS_MIGRATE_BUNDLE_PATH: bundlePath },
          driver: () => new PgDriver({ connectionString: db.url }),
        });
        const outcome = await settle(handler({ action: 'migrate' }));
        await rm(taskRoot, { recursive: true, force: true });
        if (outcome.ok) {
          problems.push(`the function ran a bundle the validation refuses: ${text.slice(0, 200)}`);
          return true;
        }
        const crash = crashReason(outcome.error);
        if (crash) {
          crashes++;
          problems.push(`crashed on ${text.slice(0, 120)}: ${crash}`);
        } else if (!(outcome.error as Error).message.includes(bundlePath)) {
          problems.push(`the error does not name the bundle: ${(outcome.error as Error).message.slice(0, 200)}`);
        }
        return true;
      }),
      { numRuns: 300 },
    );
    const schema = await db.sql<{ n: number }>(`SELECT count(*)::int AS n FROM pg_namespace WHERE nspname = 'rds_migrate'`);
    const tables = await db.sql<{ n: number }>(`SELECT count(*)::int AS n FROM pg_class WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace`);
    recordFigures(AREA, { inputsFuzzed: fuzzed, crashes });
    expect(problems).toEqual([]);
    // Nothing applied: no schema history, the application's two tables only.
    expect(schema.rows[0]!.n).toBe(0);
    expect(tables.rows[0]!.n).toBe(2);
    // Which tamperings the validation lets through (fields no checksum covers), for the report.
    const differences = accepted.map((text) => describeDifference(JSON.parse(bundleToJson(valid)), JSON.parse(text))).filter((d) => d !== '');
    console.info(`${accepted.length} of ${fuzzed} fuzzed bundles pass validation; changed fields among them: ${[...new Set(differences)].join(', ') || 'none'}`);
  }, 180_000);
});
