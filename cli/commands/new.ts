import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import type { MigrationLayout } from '../../lambda/migrations/readers/layouts';
import { addHelp } from '../help';
import { addOutputOptions, type OutputFlags } from '../output/output-options';
import { relabelCompileError } from '../project/load-bundle';
import { addMigrationsOption, type MigrationsFlags } from '../project/migrations-option';
import { checkVersionFlag } from '../project/versions';
import { runCommand } from '../run-command';
import { skeletonFiles } from '../scaffold/migration-templates';
import { migrationName, nextVersion } from '../scaffold/next-version';
import type { Session } from '../session';
import { UsageError } from '../usage-error';

interface NewFlags extends MigrationsFlags, OutputFlags {
  readonly version?: string;
  readonly down: boolean;
  readonly verify: boolean;
  /** `--data` (alias `--ts`): a TypeScript data migration, `up.ts`. */
  readonly data?: boolean;
  readonly ts?: boolean;
}

/** The `--json` report of `new`. */
export interface NewReport {
  readonly action: 'new';
  readonly version: string;
  readonly name: string;
  /** The folder's layout, as given or detected. */
  readonly layout: MigrationLayout;
  /** Files written, relative to the project folder. */
  readonly files: string[];
}

/** `rds-migrate new <name>`: the next version's skeleton, in the folder's layout. */
export function registerNew(program: Command, session: Session): void {
  const command = program
    .command('new')
    .argument('<name>', 'migration name: letters, digits, _ and - (spaces become _)')
    .summary("create the next version's up, down and verify skeleton")
    .description(
      'Creates the next migration in the folder\'s layout (detected, or --layout): native <version>_<name>/ with ' +
        'up.sql, down.sql and verify.sql (with --data: up.ts, a TypeScript data migration, and verify.sql); golang-migrate <version>_<name>.up.sql/.down.sql; flyway ' +
        'V<version>__<name>.sql/U...; dbmate <version>_<name>.sql with up and down sections. The version follows ' +
        'the highest one there, keeping its width (0022 → 0023; timestamps get the current UTC time). The up ' +
        'script is refused by every command until it holds a statement; the down script raises an error until written.',
    )
    .option('--version <version>', 'use this version instead of the next one')
    .option('--no-down', 'no down script (an irreversible migration)')
    .option('--no-verify', 'no verify.sql (native layout)')
    .option('--data', 'a TypeScript data migration: up.ts exporting up(ctx) and down(ctx), with a batched backfill example (native layout)')
    .option('--ts', 'the same as --data');
  addMigrationsOption(command);
  addOutputOptions(command);
  addHelp(command, {
    examples: [
      'rds-migrate new create_users',
      'rds-migrate new "add ocr indexes" --no-down',
      'rds-migrate new backfill_totals --version 0030',
      'rds-migrate new backfill_amount_cents --data',
      'rds-migrate new create_authors --migrations db/migrations --layout dbmate',
    ],
  });
  command.action(
    runCommand<NewFlags>(session, async (ctx, flags, [nameArg]) => {
      const name = migrationName(nameArg ?? '');
      const dir = ctx.resolve(flags.migrations);
      const [{ readMigrationsFolder }, { compareVersions }] = await Promise.all([
        import('../../lambda/migrations/readers/read-folder'),
        import('../../lambda/migrations/compare-versions'),
      ]);
      let found;
      try {
        found = await readMigrationsFolder(dir, { layout: flags.layout });
      } catch (error) {
        throw await relabelCompileError(error, flags.migrations, dir);
      }
      const { layout } = found;
      const versions = found.migrations.map((m) => m.version);
      let version: string;
      if (flags.version !== undefined) {
        version = checkVersionFlag(flags.version, '--version');
        const clash = found.migrations.find((m) => compareVersions(m.version, version) === 0);
        if (clash) throw new UsageError(`--version: ${version} is taken (${path.relative(dir, clash.location) || clash.location})`);
      } else {
        version = nextVersion(versions, compareVersions, new Date(), layout);
      }
      const data = flags.data === true || flags.ts === true;
      if (data && layout !== 'native') {
        throw new UsageError(`--data: data migrations are native-layout folders (<version>_<name>/up.ts), but ${flags.migrations} is in the ${layout} layout`);
      }
      if (version.includes('.') && (layout === 'golang-migrate' || layout === 'dbmate')) {
        throw new UsageError(`--version: ${version} has dots, which ${layout} versions cannot (digits only)`);
      }
      const files: string[] = [];
      for (const skeleton of skeletonFiles(layout, version, name, { down: flags.down, verify: flags.verify, data })) {
        const target = path.join(dir, skeleton.file);
        await mkdir(path.dirname(target), { recursive: true });
        await writeFile(target, skeleton.text, { flag: 'wx' });
        files.push(path.relative(ctx.io.cwd, target));
      }
      const report: NewReport = { action: 'new', version, name, layout, files };
      return {
        report,
        human: (out) => {
          out.line(out.colour.green(`Created migration ${version} (${name}, ${layout} layout):`));
          for (const file of files) out.line(`  ${file}`);
          out.line(out.colour.dim(`Write the change in ${files[0]}, then: rds-migrate lint && rds-migrate plan`));
        },
      };
    }),
  );
}
