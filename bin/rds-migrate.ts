/**
 * The `rds-migrate` executable's TypeScript entry (run through tsx by `bin/rds-migrate.js`): runs the
 * CLI (`cli/program.ts`) on the process's arguments, then exits with its code once stdout and stderr
 * are flushed, so that open sockets or pool timers cannot keep a finished command alive. A command
 * that keeps serving (data-api-local) is left running; it exits on SIGINT/SIGTERM.
 */
import { main } from '../cli/program';

// The AWS SDK warns on every run under Node 20 that its releases after January 2027 need Node 22
// (a note for whoever upgrades the pinned SDK, not for the CLI's users); its own switch silences it.
// Set AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=false to see it.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

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
