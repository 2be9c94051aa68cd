import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileMigrations } from '../../lambda/migrations/compile';
import { loadBundle } from '../../lambda/migrations/load-bundle';
import { bundleToJson } from '../../lambda/migrations/write-bundle';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const FIXTURES = path.join(ROOT, 'test/fixtures/migrations');
const ENTRY = path.join(ROOT, 'lambda/migrations/compile-cli.ts');

let buildDir: string; // inside node_modules, so the built CLI resolves libpg-query (left external) from there
let outDir: string;
const cli: Record<'esm' | 'cjs', string> = { esm: '', cjs: '' };

beforeAll(async () => {
  await mkdir(path.join(ROOT, 'node_modules/.cache'), { recursive: true });
  buildDir = await mkdtemp(path.join(ROOT, 'node_modules/.cache/rds-migrate-compile-cli-test-'));
  outDir = await mkdtemp(path.join(os.tmpdir(), 'rds-migrate-cli-out-'));
  // As the CDK construct builds it (lib/migrations-compiler.ts): bundled, npm packages external; and as CommonJS.
  for (const format of ['esm', 'cjs'] as const) {
    cli[format] = path.join(buildDir, `compile-cli.${format === 'esm' ? 'mjs' : 'cjs'}`);
    await build({ entryPoints: [ENTRY], outfile: cli[format], bundle: true, platform: 'node', format, target: 'node20', packages: 'external', logLevel: 'silent' });
  }
});
afterAll(async () => {
  await rm(buildDir, { recursive: true, force: true });
  await rm(outDir, { recursive: true, force: true });
});

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the built CLI with plain node (no tsx). */
async function runCli(format: 'esm' | 'cjs', args: string[]): Promise<Run> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [cli[format], ...args], { encoding: 'utf8' });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('compile-cli', () => {
  it.each(['esm', 'cjs'] as const)('built as %s, writes the bundle JSON that compileMigrations gives', async (format) => {
    const out = path.join(outDir, format, 'nested', 'migrations.json');
    const run = await runCli(format, [path.join(FIXTURES, 'valid'), out]);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toMatch(/^compiled 5 migration\(s\) from .* \(checksum [0-9a-f]{64}\)\n$/);
    const written = await readFile(out, 'utf8');
    expect(written).toBe(bundleToJson(await compileMigrations(path.join(FIXTURES, 'valid'))));
    expect(loadBundle(JSON.parse(written)).migrations).toHaveLength(5);
  });

  it('is deterministic: the same folder, compiled twice or from another path, gives byte-identical output', async () => {
    const copy = await mkdtemp(path.join(outDir, 'copy-'));
    await cp(path.join(FIXTURES, 'valid'), copy, { recursive: true });
    const outputs = [path.join(outDir, 'a.json'), path.join(outDir, 'b.json'), path.join(outDir, 'c.json')];
    expect((await runCli('esm', [path.join(FIXTURES, 'valid'), outputs[0] as string])).code).toBe(0);
    expect((await runCli('esm', [path.join(FIXTURES, 'valid'), outputs[1] as string])).code).toBe(0);
    expect((await runCli('esm', [copy, outputs[2] as string])).code).toBe(0);
    const [a, b, c] = await Promise.all(outputs.map((o) => readFile(o)));
    expect(b?.equals(a as Buffer)).toBe(true);
    expect(c?.equals(a as Buffer)).toBe(true);
    expect(a?.toString()).not.toContain(FIXTURES);
  });

  it('exits 1 with the compiler message on bad input, and writes nothing', async () => {
    const out = path.join(outDir, 'never.json');
    const run = await runCli('esm', [path.join(FIXTURES, 'syntax-error'), out]);
    expect(run).toEqual({
      code: 1,
      stdout: '',
      stderr: `${path.join(FIXTURES, 'syntax-error', '001_create_users', 'up.sql')}:3:1: syntax error at or near "SELEC"\n`,
    });
    await expect(stat(out)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('exits 1 with the usage on wrong arguments', async () => {
    const usage = 'usage: compile-cli [--layout <auto|native|golang-migrate|flyway|dbmate>] <migrationsDir> <outFile>\n';
    const wrong = [[], [path.join(FIXTURES, 'valid')], ['a', 'b', 'c'], ['--help', 'x'], ['--layout', 'liquibase', 'a', 'b'], ['--layout=', 'a', 'b'], ['a', '--layout', 'flyway', 'b']];
    for (const args of wrong) {
      expect(await runCli('cjs', args)).toEqual({ code: 1, stdout: '', stderr: usage });
    }
  });

  it('detects the layout, or reads the one --layout names', async () => {
    const flyway = path.join(FIXTURES, 'formats', 'flyway');
    const detected = path.join(outDir, 'flyway-detected.json');
    const run = await runCli('esm', [flyway, detected]);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toMatch(/^compiled 3 migration\(s\) and 2 repeatable migration\(s\) from /);
    const named = path.join(outDir, 'flyway-named.json');
    expect((await runCli('cjs', ['--layout', 'flyway', flyway, named])).code).toBe(0);
    expect(await readFile(named, 'utf8')).toBe(await readFile(detected, 'utf8'));
    expect(await readFile(detected, 'utf8')).toBe(bundleToJson(await compileMigrations(flyway)));

    const wrongLayout = await runCli('esm', ['--layout=dbmate', flyway, path.join(outDir, 'never.json')]);
    expect(wrongLayout.code).toBe(1);
    expect(wrongLayout.stderr).toContain(`${path.join(flyway, 'R__author_book_counts.sql')}: unexpected file in a dbmate migrations folder`);
  });
});
