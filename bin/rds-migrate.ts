/**
 * The `rds-migrate` executable's TypeScript entry (run through tsx by `bin/rds-migrate.js`): runs the
 * CLI (`cli/program.ts`) on the process's arguments, then exits with its code once stdout and stderr
 * are flushed, so that open sockets or pool timers cannot keep a finished command alive. A command
 * that keeps serving (data-api-local) is left running; it exits on SIGINT/SIGTERM.
 */
import { main } from '../cli/program';

function flushed(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => stream.write('', () => resolve()));
}

try {
  const outcome = await main(process.argv.slice(2));
  if (!outcome.keepAlive) {
    await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
    process.exit(outcome.exitCode);
  }
} catch (error) {
  // main handles every command's errors; this is a bug in the CLI itself.
  process.stderr.write(`rds-migrate: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
}
