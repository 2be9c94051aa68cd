import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Root of the rds-migrate package (the folder holding `package.json`, `lambda/`, `lib/`). */
export const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The function's entry point: exports `handler`. */
export const HANDLER_ENTRY = path.join(PACKAGE_ROOT, 'lambda', 'handler.ts');

/** The migrations compiler's command line: `compile-cli <migrationsDir> <outFile>`. */
export const COMPILE_CLI_ENTRY = path.join(PACKAGE_ROOT, 'lambda', 'migrations', 'compile-cli.ts');

/** The migration linter's command line, run at synth time: `lint-cli <request.json>` (see `lib/lint-cli.ts`). */
export const LINT_CLI_ENTRY = path.join(PACKAGE_ROOT, 'lib', 'lint-cli.ts');

/** The package lock the function's bundling pins dependency versions with. */
export const DEPS_LOCK_FILE = path.join(PACKAGE_ROOT, 'package-lock.json');

/**
 * Build cache of this package, inside its `node_modules` so modules built there (the compiler)
 * resolve their dependencies (`libpg-query` and its WASM file) from the package's `node_modules`.
 */
export const BUILD_CACHE_DIR = path.join(PACKAGE_ROOT, 'node_modules', '.cache', 'rds-migrate');
