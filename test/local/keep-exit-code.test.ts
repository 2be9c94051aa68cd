import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');

/** Runs a script that loads our embedded-postgres module and then ends by itself with `exitCode`. */
function exitCodeAfterLoading(exitCode: number): number | null {
  const script = `await import(${JSON.stringify(path.join(root, 'local/postgres/embedded-postgres.ts'))}); process.exitCode = ${exitCode};`;
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' });
  return run.status;
}

describe('a process that loads embedded-postgres', () => {
  // embedded-postgres's exit hook answers beforeExit with process.exit(0): without keep-exit-code.ts a
  // failing test run (vitest sets exitCode = 1) would exit 0 and CI would pass.
  it('keeps a failing exit code', () => {
    expect(exitCodeAfterLoading(1)).toBe(1);
    expect(exitCodeAfterLoading(3)).toBe(3);
  });

  it('keeps a successful exit code', () => {
    expect(exitCodeAfterLoading(0)).toBe(0);
  });
});
