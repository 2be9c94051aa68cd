import { appendFile, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { addHelp } from '../help';
import { addOutputOptions, type OutputFlags } from '../output/output-options';
import { addMigrationsOption, type MigrationsFlags } from '../project/migrations-option';
import { runCommand } from '../run-command';
import { constructSnippet } from '../scaffold/construct-snippet';
import { MIGRATIONS_README } from '../scaffold/migrations-readme';
import type { Session } from '../session';
import { EMBEDDED_DATA_DIR } from '../target/target-options';
import { UsageError } from '../usage-error';

type InitFlags = MigrationsFlags & OutputFlags;

/** The `--json` report of `init`. */
export interface InitReport {
  readonly action: 'init';
  /** The migrations folder, as given. */
  readonly migrations: string;
  /** False when the folder existed already (it is left as it is). */
  readonly created: boolean;
  /** Files written or changed, relative to the project folder. */
  readonly files: string[];
  /** The CDK snippet to paste into a stack. */
  readonly snippet: string;
}

async function exists(target: string): Promise<boolean> {
  return stat(target).then(
    () => true,
    () => false,
  );
}

/** Adds `.rds-migrate/` (the embedded PostgreSQL's data) to the project's .gitignore; true when changed. */
async function ignoreLocalState(cwd: string): Promise<boolean> {
  const file = path.join(cwd, '.gitignore');
  const text = await readFile(file, 'utf8').catch(() => '');
  const entry = `${path.dirname(EMBEDDED_DATA_DIR)}/`;
  if (text.split(/\r?\n/).some((line) => line.trim() === entry || line.trim() === entry.slice(0, -1))) return false;
  await appendFile(file, `${text === '' || text.endsWith('\n') ? '' : '\n'}# rds-migrate: the embedded PostgreSQL's data\n${entry}\n`);
  return true;
}

/** `rds-migrate init`: a migrations folder with a README, `.rds-migrate/` ignored, and the construct snippet. */
export function registerInit(program: Command, session: Session): void {
  const command = program
    .command('init')
    .summary('create the migrations folder and print the CDK construct snippet')
    .description(
      'Creates the migrations folder (default ./migrations) with a README on its layout, adds .rds-migrate/ ' +
        '(the embedded PostgreSQL\'s data) to .gitignore, and prints the DatabaseMigrations snippet for your CDK stack. ' +
        'An existing folder is left as it is.',
    );
  addMigrationsOption(command);
  addOutputOptions(command);
  addHelp(command, { examples: ['rds-migrate init', 'rds-migrate init --migrations db/migrations', 'rds-migrate init --json'] });
  command.action(
    runCommand<InitFlags>(session, async (ctx, flags) => {
      const dir = ctx.resolve(flags.migrations);
      const files: string[] = [];
      let created = false;
      if (await exists(dir)) {
        if (!(await stat(dir)).isDirectory()) throw new UsageError(`--migrations: ${flags.migrations} exists and is not a folder`);
      } else {
        await mkdir(dir, { recursive: true });
        created = true;
      }
      const readme = path.join(dir, 'README.md');
      if (created || ((await readdir(dir)).length === 0 && !(await exists(readme)))) {
        await writeFile(readme, MIGRATIONS_README);
        files.push(path.relative(ctx.io.cwd, readme));
      }
      if (await ignoreLocalState(ctx.io.cwd)) files.push('.gitignore');
      const relative = path.relative(ctx.io.cwd, dir) || '.';
      const report: InitReport = { action: 'init', migrations: flags.migrations, created, files, snippet: constructSnippet(relative) };
      return {
        report,
        human: (out) => {
          const c = out.colour;
          out.line(created ? c.green(`Created ${relative}/`) : `${relative}/ exists already: left as it is.`);
          for (const file of files) out.line(`  wrote ${file}`);
          out.line();
          out.line(c.bold('Add the migrations to your CDK stack:'));
          out.line();
          for (const line of report.snippet.trimEnd().split('\n')) out.line(line === '' ? '' : `  ${line}`);
          out.line();
          out.line(c.bold('Next:'));
          out.line(`  rds-migrate new create_users      ${c.dim('# the first migration: write its up.sql')}`);
          out.line(`  rds-migrate migrate               ${c.dim('# applies it to an embedded PostgreSQL in .rds-migrate/')}`);
        },
      };
    }),
  );
}
