/**
 * Command line of the migration linter as the construct runs it at synth time (bundled by esbuild,
 * run with plain `node` in a child process: the linter is asynchronous and loads WebAssembly, and a
 * construct's constructor is synchronous; see `migrations-lint.ts`):
 *
 *     node lint-cli.mjs <request.json>
 *
 * The request is `{ "migrationsDirectory", "bundleFile", "layout", "config" }`: a native-layout folder
 * is linted from its files (comments and `rds-migrate-lint-ignore` suppressions included); other
 * layouts from the compiled bundle (`bundleFile`), whose scripts keep their statements' lines.
 * Prints the `LintReport` as JSON on stdout and exits 0, whatever the findings. Exits 1 with the
 * message on stderr when it cannot lint (a bad `config` names each bad field).
 */
import { readFileSync } from 'node:fs';
import { lintMigrations, lintMigrationsFolder, type LintConfig } from '../lambda/lint';
import type { MigrationBundle } from '../lambda/migrations/bundle';
import { detectLayout } from '../lambda/migrations/readers/detect-layout';
import type { MigrationLayout } from '../lambda/migrations/readers/layouts';

/** What the construct asks the linter to lint. */
export interface LintRequest {
  readonly migrationsDirectory: string;
  /** The compiled `migrations.json` of that folder. */
  readonly bundleFile: string;
  readonly layout: MigrationLayout | 'auto';
  readonly config?: LintConfig;
}

async function main(args: readonly string[]): Promise<number> {
  if (args.length !== 1) {
    process.stderr.write('usage: lint-cli <request.json>\n');
    return 1;
  }
  try {
    const request = JSON.parse(readFileSync(args[0]!, 'utf8')) as LintRequest;
    const options = request.config ? { config: request.config } : {};
    const layout = request.layout === 'auto' ? await detectLayout(request.migrationsDirectory) : request.layout;
    const report =
      layout === 'native'
        ? await lintMigrationsFolder(request.migrationsDirectory, options)
        : await lintMigrations(JSON.parse(readFileSync(request.bundleFile, 'utf8')) as MigrationBundle, options);
    process.stdout.write(JSON.stringify(report));
    return 0;
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

void main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
