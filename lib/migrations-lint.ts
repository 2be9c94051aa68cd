import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { formatFindings } from '../lambda/lint/format-findings';
import { parseLintConfig } from '../lambda/lint/lint-config';
import type { LintFinding, LintReport } from '../lambda/lint/lint-finding';
import type { MigrationLayout } from '../lambda/migrations/readers/layouts';
import { buildNodeScript } from './build-script';
import type { MigrationsLintOptions } from './database-migrations-props';
import type { LintRequest } from './lint-cli';
import { LINT_CLI_ENTRY } from './package-paths';

/** The linter could not run (a bad `config`, an unreadable folder); `message` is its own. */
export class MigrationsLintError extends Error {
  override readonly name = 'MigrationsLintError';
}

/** What synth does with the findings, after `failOn`. */
export interface SynthLintOutcome {
  /** Findings at or above `failOn`, formatted `file:line:column rule-id message` (with the suggested rewrite). */
  readonly failing: string;
  readonly failingCount: number;
  /** The other findings, one formatted block each: synth warnings. */
  readonly warnings: string[];
  readonly report: LintReport;
}

function atOrAbove(finding: LintFinding, failOn: NonNullable<MigrationsLintOptions['failOn']>): boolean {
  if (failOn === 'never') return false;
  return failOn === 'warning' || finding.severity === 'error';
}

/**
 * Lints a migrations folder at synth time, synchronously: runs `lib/lint-cli.ts` (built with esbuild,
 * see `buildNodeScript`) in a child Node process and splits its findings by `failOn`.
 *
 * @param bundleFile the folder's compiled bundle (for layouts other than native)
 * @throws MigrationsLintError when `config` is invalid (naming each bad field) or the linter fails
 */
export function lintAtSynth(migrationsDirectory: string, bundleFile: string, layout: MigrationLayout | 'auto', options: MigrationsLintOptions): SynthLintOutcome {
  let config = options.config;
  if (config !== undefined) {
    try {
      config = parseLintConfig(config, 'prop "lint.config"');
    } catch (error) {
      throw new MigrationsLintError((error as Error).message);
    }
  }
  const request: LintRequest = { migrationsDirectory, bundleFile, layout, ...(config ? { config } : {}) };
  const requestFile = path.join(path.dirname(bundleFile), 'lint-request.json');
  fs.writeFileSync(requestFile, JSON.stringify(request));
  let stdout: string;
  try {
    stdout = execFileSync(process.execPath, [buildNodeScript(LINT_CLI_ENTRY, 'lint-cli'), requestFile], {
      stdio: ['ignore', 'pipe', 'pipe'],
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (error) {
    const failed = error as { stderr?: string; message: string };
    throw new MigrationsLintError(failed.stderr?.trim() || failed.message);
  } finally {
    fs.rmSync(requestFile, { force: true });
  }
  const report = JSON.parse(stdout) as LintReport;
  const failOn = options.failOn ?? 'error';
  const failing = report.findings.filter((f) => atOrAbove(f, failOn));
  return {
    failing: formatFindings(failing),
    failingCount: failing.length,
    warnings: report.findings.filter((f) => !atOrAbove(f, failOn)).map((f) => formatFindings([f]).trimEnd()),
    report,
  };
}
