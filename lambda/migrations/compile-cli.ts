/**
 * Command line of the migration compiler, run by the CDK construct at synth time (bundled by
 * esbuild, run with plain `node`):
 *
 *     node compile-cli.js [--layout <auto|native|golang-migrate|flyway|dbmate>] <migrationsDir> <outFile>
 *
 * Writes the bundle JSON to `outFile` (deterministic: the same folder gives byte-identical output)
 * and prints a one-line summary on stdout. The layout is detected from the folder's entries unless
 * `--layout` (or `--layout=<name>`) names it. On bad input it prints the compiler's message
 * (`path:line:column: ...`) on stderr and exits with status 1; wrong arguments also exit 1, with
 * the usage. Reads its arguments from `process.argv` only (no `import.meta`), so both ESM and CJS
 * builds work.
 */
import { MigrationCompileError } from './compile-error';
import { isMigrationLayout, type MigrationLayout } from './readers/layouts';
import { writeBundleFile } from './write-bundle';

const USAGE = 'usage: compile-cli [--layout <auto|native|golang-migrate|flyway|dbmate>] <migrationsDir> <outFile>';

interface Arguments {
  readonly dir: string;
  readonly outFile: string;
  readonly layout: MigrationLayout | 'auto';
}

/** The arguments, or undefined when they do not follow the usage. */
function parseArguments(args: readonly string[]): Arguments | undefined {
  let layout: string = 'auto';
  const rest = [...args];
  const option = rest[0];
  if (option === '--layout') {
    layout = rest[1] ?? '';
    rest.splice(0, 2);
  } else if (option?.startsWith('--layout=')) {
    layout = option.slice('--layout='.length);
    rest.splice(0, 1);
  }
  if (layout !== 'auto' && !isMigrationLayout(layout)) return undefined;
  if (rest.length !== 2 || rest.some((a) => a === '' || a.startsWith('-'))) return undefined;
  const [dir, outFile] = rest as [string, string];
  return { dir, outFile, layout: layout as MigrationLayout | 'auto' };
}

async function main(args: readonly string[]): Promise<number> {
  const parsed = parseArguments(args);
  if (!parsed) {
    process.stderr.write(`${USAGE}\n`);
    return 1;
  }
  const { dir, outFile, layout } = parsed;
  try {
    const bundle = await writeBundleFile(dir, outFile, { layout });
    const repeatables = bundle.repeatables?.length ? ` and ${bundle.repeatables.length} repeatable migration(s)` : '';
    process.stdout.write(`compiled ${bundle.migrations.length} migration(s)${repeatables} from ${dir} into ${outFile} (checksum ${bundle.checksum})\n`);
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
