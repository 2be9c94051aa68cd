import os from 'node:os';
import path from 'node:path';
import { defineConfig } from 'vitest/config';
import { FIGURES_FILE_ENV } from './test/reliability/support/figures';
import { FiguresReporter } from './test/reliability/support/figures-reporter';

/**
 * `npm run test:reliability`: faults, cut-offs, restarts, concurrency and hostile input against real
 * PostgreSQL, the local Data API and a local S3 (test/reliability/*.reliability.ts, kept out of
 * `npm test`), then the figures table (faults injected, runs recovered, rows checked, rows lost,
 * inputs fuzzed, crashes) built from what the tests recorded.
 */
// A file named in the environment is kept after the run (to read the raw records); the default one is removed.
const chosen = process.env[FIGURES_FILE_ENV];
const figuresFile = chosen ?? path.join(os.tmpdir(), `rds-migrate-reliability-figures-${process.pid}.jsonl`);
process.env[FIGURES_FILE_ENV] = figuresFile;

export default defineConfig({
  test: {
    include: ['test/reliability/**/*.reliability.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    maxWorkers: 2,
    pool: 'forks',
    env: {
      // The function's logs and EMF metrics stay off the console (the log test turns them on for itself).
      POWERTOOLS_LOG_LEVEL: 'SILENT',
      POWERTOOLS_METRICS_DISABLED: 'true',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      [FIGURES_FILE_ENV]: figuresFile,
    },
    reporters: ['default', new FiguresReporter(figuresFile, chosen !== undefined)],
  },
});
