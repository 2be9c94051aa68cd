import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { addHelp } from '../help';
import { addOutputOptions, type OutputFlags } from '../output/output-options';
import { addMigrationsOption, type MigrationsFlags } from '../project/migrations-option';
import { checkVersionFlag } from '../project/versions';
import { runCommand } from '../run-command';
import { migrationTemplates } from '../scaffold/migration-templates';
import { migrationName, nextVersion } from '../scaffold/next-version';
import type { Session } from '../session';
import { UsageError } from '../usage-error';

interface NewFlags extends MigrationsFlags, OutputFlags {
  readonly version?: string;
  readonly down: boolean;
  readonly verify: boolean;
}

/** The `--json` report of `new`. */
export interface NewReport {
  readonly action: 'new';
  readonly version: string;
  readonly name: string;
  /** The migration folder, relative to the project folder. */
  readonly folder: string;
  /** Files written, relative to the project folder. */
  readonly files: string[];
}

const FOLDER = /^(\d+(?:\.\d+)*)_[A-Za-z0-9_-]+$/;

/** `rds-migrate new <name>`: the next version's up/down/verify skeleton. */
export function registerNew(program: Command, session: Session): void {
  const command = program
    .command('new')
    .argument('<name>', 'migration name: letters, digits, _ and - (spaces become _)')
    .summary("create the next version's up.sql, down.sql and verify.sql")
    .description(
      'Creates <version>_<name>/ in the migrations folder with up.sql, down.sql and verify.sql skeletons. ' +
        'The version follows the highest one there, keeping its width (0022 → 0023); 0001 in an empty folder. ' +
        'up.sql is refused by every command until it holds a statement; down.sql raises an error until written.',
    )
    .option('--version <version>', 'use this version instead of the next one')
    .option('--no-down', 'no down.sql (an irreversible migration)')
    .option('--no-verify', 'no verify.sql');
  addMigrationsOption(command);
  addOutputOptions(command);
  addHelp(command, {
    examples: ['rds-migrate new create_users', 'rds-migrate new "add ocr indexes" --no-down', 'rds-migrate new backfill_totals --version 0030'],
  });
  command.action(
    runCommand<NewFlags>(session, async (ctx, flags, [nameArg]) => {
      const name = migrationName(nameArg ?? '');
      const dir = ctx.resolve(flags.migrations);
      const entries = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') throw new UsageError(`--migrations: ${flags.migrations} does not exist (run \`rds-migrate init\` first)`);
        throw error;
      });
      const versions = entries.map((e) => FOLDER.exec(e)?.[1]).filter((v): v is string => v !== undefined);
      const { compareVersions } = await import('../../lambda/migrations/compare-versions');
      let version: string;
      if (flags.version !== undefined) {
        version = checkVersionFlag(flags.version, '--version');
        const clash = versions.find((v) => compareVersions(v, version) === 0);
        if (clash !== undefined) throw new UsageError(`--version: ${version} is taken (${entries.find((e) => e.startsWith(`${clash}_`))})`);
      } else {
        version = nextVersion(versions, compareVersions);
      }
      const folderName = `${version}_${name}`;
      const folder = path.join(dir, folderName);
      await mkdir(folder);
      const templates = migrationTemplates(folderName);
      const files: string[] = [];
      const write = async (file: string, text: string): Promise<void> => {
        await writeFile(path.join(folder, file), text, { flag: 'wx' });
        files.push(path.relative(ctx.io.cwd, path.join(folder, file)));
      };
      await write('up.sql', templates.up);
      if (flags.down) await write('down.sql', templates.down);
      if (flags.verify) await write('verify.sql', templates.verify);
      const report: NewReport = { action: 'new', version, name, folder: path.relative(ctx.io.cwd, folder), files };
      return {
        report,
        human: (out) => {
          out.line(out.colour.green(`Created ${report.folder}/`));
          for (const file of files) out.line(`  ${file}`);
          out.line(out.colour.dim(`Write the change in ${files[0]}, then: rds-migrate lint && rds-migrate plan`));
        },
      };
    }),
  );
}
