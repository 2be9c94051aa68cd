/**
 * Command line of the migration compiler, run by the CDK construct at synth time (bundled by
 * esbuild, run with plain `node`):
 *
 *     node compile-cli.js <migrationsDir> <outFile>
 *
 * Writes the bundle JSON to `outFile` (deterministic: the same folder gives byte-identical output)
 * and prints a one-line summary on stdout. On bad input it prints the compiler's message
 * (`path:line:column: ...`) on stderr and exits with status 1; wrong arguments also exit 1, with
 * the usage. Reads its arguments from `process.argv` only (no `import.meta`), so both ESM and CJS
 * builds work.
 */
import { MigrationCompileError } from './compile-error';
import { writeBundleFile } from './write-bundle';

const USAGE = 'usage: compile-cli <migrationsDir> <outFile>';

async function main(args: readonly string[]): Promise<number> {
  if (args.length !== 2 || args.some((a) => a === '' || a.startsWith('-'))) {
    process.stderr.write(`${USAGE}\n`);
    return 1;
  }
  const [dir, outFile] = args as [string, string];
  try {
    const bundle = await writeBundleFile(dir, outFile);
    process.stdout.write(`compiled ${bundle.migrations.length} migration(s) from ${dir} into ${outFile} (checksum ${bundle.checksum})\n`);
    return 0;
  } catch (error) {
    if (error instanceof MigrationCompileError) {
      process.stderr.write(`${error.message}\n`);
      return 1;
    }
    process.stderr.write(`compile-cli failed unexpectedly: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return 1;
  }
}

void main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
