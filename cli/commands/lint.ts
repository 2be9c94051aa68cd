import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { LintConfig, LintFinding } from '../../lambda/lint';
import { ExitCode } from '../exit-codes';
import { addHelp } from '../help';
import { addOutputOptions, type OutputFlags } from '../output/output-options';
import { loadBundle, relabelCompileError } from '../project/load-bundle';
import { addMigrationsOption, type MigrationsFlags } from '../project/migrations-option';
import { checkVersionFlag } from '../project/versions';
import { runCommand, type CommandContext } from '../run-command';
import type { Session } from '../session';
import { openTarget } from '../target/open-target';
import { addTargetOptions, resolveTarget, targetGiven, type TargetFlags } from '../target/target-options';
import { UsageError } from '../usage-error';

interface LintFlags extends MigrationsFlags, TargetFlags, OutputFlags {
  readonly config?: string;
  readonly baseline?: string;
}

/**
 * Reads a lint configuration file (JSON, see `LintConfig`).
 * @throws {UsageError} when it cannot be read or is not JSON, naming the file
 * @throws {LintConfigError} for a bad field (exit 4 too)
 */
async function readConfig(ctx: CommandContext, file: string): Promise<LintConfig> {
  let text: string;
  try {
    text = await readFile(ctx.resolve(file), 'utf8');
  } catch (error) {
    throw new UsageError(`--config: ${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`--config: ${file} is not JSON (${(error as Error).message})`);
  }
  const { parseLintConfig } = await import('../../lambda/lint');
  return parseLintConfig(json, file);
}

/** `rds-migrate lint`: the migration safety linter (`lintMigrationsFolder`); exit 1 on error findings. */
export function registerLint(program: Command, session: Session): void {
  const command = program
    .command('lint')
    .summary('check the migrations for statements that lock or break production (exit 1 on errors)')
    .description(
      'Lints every up.sql on PostgreSQL\'s own parse tree: non-concurrent indexes, validating constraints, table ' +
        'rewrites, NOT NULL without a default, renames and drops, and more, each with the safe rewrite. With a ' +
        'target (--database-url or the Data API flags), table sizes come from pg_class (small tables are exempt) ' +
        'and the versions already applied are not reported (--baseline overrides). Suppress a finding with a ' +
        '`-- rds-migrate-lint-ignore <rule-id>: <why>` comment. Exit 1 when a finding has severity error.',
    )
    .option('--config <file>', 'lint configuration JSON: {"rules": {"<rule>": "error"|"warning"|"off"}, "smallTableRows": 10000}')
    .option('--baseline <version>', 'do not report migrations at or below this version (read for context only)');
  addMigrationsOption(command);
  addTargetOptions(command);
  addOutputOptions(command);
  addHelp(command, {
    examples: ['rds-migrate lint', 'rds-migrate lint --config lint.json --json', 'rds-migrate lint --database-url postgres://app:secret@prod-replica:5432/app'],
    notes: 'Without --database-url or the Data API flags, lint reads no database (the embedded PostgreSQL is not started).',
  });
  command.action(
    runCommand<LintFlags>(session, async (ctx, flags) => {
      let baseline = flags.baseline === undefined ? undefined : checkVersionFlag(flags.baseline, '--baseline');
      const config = flags.config === undefined ? undefined : await readConfig(ctx, flags.config);
      const lint = await import('../../lambda/lint');
      const dir = ctx.resolve(flags.migrations);
      // The folder first: bad input fails before any database is reached.
      const { detectLayout } = await import('../../lambda/migrations/readers/detect-layout');
      let layout = flags.layout;
      try {
        if (layout === 'auto') layout = await detectLayout(dir);
      } catch (error) {
        throw await relabelCompileError(error, flags.migrations, dir);
      }
      const driver = targetGiven(flags) ? await openTarget(resolveTarget(flags, (flag) => ctx.optionSource(flag), ctx.io.cwd), session, ctx.log) : undefined;
      if (driver && baseline === undefined) {
        const [{ readSchemaHistory }, { computeStatus }] = await Promise.all([
          import('../../lambda/engine/history/read'),
          import('../../lambda/engine/status/compute'),
        ]);
        // Versions applied to this database are deployed already: lint what is pending. With an empty
        // bundle every applied row counts (as `missing`), so `current` is the highest applied version.
        baseline = computeStatus({ formatVersion: 1, checksum: '', migrations: [] }, await readSchemaHistory(driver)).current ?? undefined;
      }
      const options = { ...(config ? { config } : {}), ...(driver ? { driver } : {}), ...(baseline ? { baseline } : {}), log: ctx.log };
      let report;
      try {
        // The native layout is linted from its files, comments and suppressions included; the other
        // layouts from the compiled bundle (the library's way for them: comments before a statement are
        // not in a bundle, so suppressions there do not apply).
        report =
          layout === 'native'
            ? await lint.lintMigrationsFolder(dir, options)
            : await lint.lintMigrations(await loadBundle(flags.migrations, dir, layout), options);
      } catch (error) {
        throw await relabelCompileError(error, flags.migrations, dir);
      }
      const folder = flags.migrations.replace(/\/$/, '');
      const located = (f: LintFinding): LintFinding => ({ ...f, file: `${folder}/${f.file}` });
      return {
        report: { action: 'lint', migrations: flags.migrations, ...(baseline ? { baseline } : {}), ...report },
        exitCode: report.errorCount > 0 ? ExitCode.Failure : ExitCode.Success,
        human: (out) => {
          const text = lint.formatReport({ ...report, findings: report.findings.map(located), exemptions: report.exemptions.map((e) => ({ ...e, file: `${folder}/${e.file}` })) });
          const c = out.colour;
          for (const line of text.trimEnd().split('\n')) {
            const finding = /^(\S+:\d+:\d+) (\S+) (.*)$/.exec(line);
            if (finding && !line.includes(' not reported: ')) {
              const severity = report.findings.find((f) => f.ruleId === finding[2])?.severity;
              out.line(`${c.bold(finding[1]!)} ${(severity === 'error' ? c.red : c.yellow)(finding[2]!)} ${finding[3]}`);
            } else out.line(line);
          }
          if (baseline) out.line(c.dim(`Versions up to ${baseline} read for context only (applied already).`));
        },
      };
    }),
  );
}
