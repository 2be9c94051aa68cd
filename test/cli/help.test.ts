import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProject, type TestProject } from './support/project';
import { runCli, type CliRun } from './support/run-cli';

/** Every command, and whether it reaches a database (its help then describes the targets). */
const COMMANDS: ReadonlyArray<{ name: string; usage: string; targets: boolean; mentions: string[] }> = [
  { name: 'init', usage: 'init [options]', targets: false, mentions: ['--migrations'] },
  { name: 'new', usage: 'new [options] <name>', targets: false, mentions: ['--version', '--no-down'] },
  { name: 'status', usage: 'status [options]', targets: true, mentions: ['--database-url'] },
  { name: 'plan', usage: 'plan [options]', targets: true, mentions: ['--to'] },
  { name: 'lint', usage: 'lint [options]', targets: false, mentions: ['--config', '--baseline'] },
  { name: 'migrate', usage: 'migrate [options]', targets: true, mentions: ['--to', '--snapshot-bucket'] },
  { name: 'rollback', usage: 'rollback [options]', targets: true, mentions: ['--to', '--dry-run'] },
  { name: 'baseline', usage: 'baseline [options]', targets: true, mentions: ['--version'] },
  { name: 'repair', usage: 'repair [options]', targets: true, mentions: ['--applied-by'] },
  { name: 'unlock', usage: 'unlock [options]', targets: true, mentions: ['--resource-arn'] },
  { name: 'verify', usage: 'verify [options]', targets: true, mentions: ['--endpoint'] },
  { name: 'snapshot', usage: 'snapshot [options]', targets: true, mentions: ['--s3-endpoint', '--schemas'] },
  { name: 'snapshots', usage: 'snapshots [options]', targets: true, mentions: ['--limit'] },
  { name: 'restore', usage: 'restore [options] <snapshot-id>', targets: true, mentions: ['--confirm'] },
  { name: 'data-api-local', usage: 'data-api-local [options]', targets: false, mentions: ['--postgres-url', '--port'] },
  { name: 'invoke', usage: 'invoke [options] <action>', targets: false, mentions: ['--function-name', '--logs'] },
];

let project: TestProject;
const help = new Map<string, CliRun>();

beforeAll(async () => {
  project = await createProject('help');
  // Two at a time: each run is a Node process compiling the CLI with tsx.
  const queue = [...COMMANDS];
  const worker = async () => {
    for (let next = queue.shift(); next; next = queue.shift()) help.set(next.name, await runCli([next.name, '--help'], { cwd: project.dir }));
  };
  await Promise.all([worker(), worker()]);
}, 180_000);
afterAll(() => project.dispose());

describe('rds-migrate --help', () => {
  it('lists every command with the getting-started steps and the exit codes', async () => {
    const run = await runCli(['--help'], { cwd: project.dir });
    expect(run.code).toBe(0);
    for (const { name } of COMMANDS) expect(run.stdout).toMatch(new RegExp(`^  ${name} `, 'm'));
    expect(run.stdout).toContain('Getting started');
    expect(run.stdout).toMatch(/Exit codes:\n {2}0 {2}success\n {2}1 {2}failure.*\n {2}2 {2}verification failed.*\n {2}3 {2}lock held.*\n {2}4 {2}bad input/);
    expect(run.stderr).toBe('');
  });

  it('prints the version from package.json', async () => {
    const run = await runCli(['--version'], { cwd: project.dir });
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it.each(COMMANDS)('$name --help: usage, options, examples and exit codes on stdout', ({ name, usage, targets, mentions }) => {
    const run = help.get(name)!;
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    expect(run.stdout).toContain(`Usage: rds-migrate ${usage}`);
    expect(run.stdout).toContain('Examples:\n  $ ');
    expect(run.stdout).toMatch(new RegExp(`^ {2}\\$ (\\S+=\\S+ )?rds-migrate ${name} `, 'm'));
    expect(run.stdout).toContain('--json');
    for (const flag of mentions) expect(run.stdout).toContain(flag);
    expect(run.stdout).toContain('Exit codes:');
    expect(run.stdout.includes('Targets (pick one):')).toBe(targets);
  });
});

describe('bad command lines exit 4 (bad input)', () => {
  it('an unknown command, with a suggestion', async () => {
    const run = await runCli(['stauts'], { cwd: project.dir });
    expect(run.code).toBe(4);
    expect(run.stderr).toContain("unknown command 'stauts'");
    expect(run.stderr).toContain('Did you mean status?');
    expect(run.stdout).toBe('');
  });

  it('an unknown flag; with --json the error is one JSON document on stdout', async () => {
    const run = await runCli(['status', '--json', '--databse-url', 'postgres://x/y'], { cwd: project.dir });
    expect(run.code).toBe(4);
    expect(run.json()).toEqual({
      error: { name: 'UsageError', message: "unknown option '--databse-url'\n(Did you mean --database-url?)", exitCode: 4, code: 'commander.unknownOption' },
    });
    expect(run.stderr).toContain("unknown option '--databse-url'");
  });

  it('a value outside the choices', async () => {
    const run = await runCli(['invoke', 'drop-everything'], { cwd: project.dir });
    expect(run.code).toBe(4);
    expect(run.stderr).toContain("'drop-everything' is invalid for argument 'action'. Allowed choices are status, migrate, verify, snapshot, list-snapshots, restore, plan, rollback, baseline, repair, unlock.");
  });
});
