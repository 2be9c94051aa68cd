import type { Command } from 'commander';
import type { ActionContext } from '../../lambda/actions/action-context';
import type { Driver } from '../../lambda/driver/driver';
import type { LockOptions } from '../../lambda/engine/lock/lease';
import type { MigrationBundle } from '../../lambda/migrations/bundle';
import type { OutputFlags } from '../output/output-options';
import type { CommandContext } from '../run-command';
import { openTarget } from '../target/open-target';
import { addSnapshotOptions, openSnapshotTarget, parseSchemas, type SnapshotFlags } from '../target/snapshot-options';
import { addTargetOptions, describeTarget, resolveTarget, type TargetFlags } from '../target/target-options';
import { appliedBy } from './applied-by';
import { moduleLoader } from '../../lambda/engine/data/module-loader';
import { dataModulesFolder } from './data-modules-folder';
import { loadBundle } from './load-bundle';
import { addLockOptions, lockOptionsOf, type LockFlags } from './lock-options';
import { addMigrationsOption, type MigrationsFlags } from './migrations-option';

/** The flags of a command that works on a database with the project's migrations. */
export interface ProjectFlags extends TargetFlags, MigrationsFlags, SnapshotFlags, LockFlags, OutputFlags {
  /** `--applied-by <name>`. */
  readonly appliedBy?: string;
}

/**
 * Adds the migrations, target, snapshot (unless `snapshots: false`), lock (unless `lock: false`)
 * and `--applied-by` flags to a command.
 */
export function addProjectOptions(command: Command, options: { snapshots?: boolean; lock?: boolean } = {}): Command {
  addMigrationsOption(command);
  addTargetOptions(command);
  if (options.snapshots !== false) addSnapshotOptions(command);
  if (options.lock !== false) addLockOptions(command);
  return command.option('--applied-by <name>', 'recorded in the schema history and shown as the lock owner (default cli:<user>@<host>)');
}

/** A compiled migrations folder and an open target: what the database commands work with. */
export interface Project {
  readonly bundle: MigrationBundle;
  readonly driver: Driver;
  /** The context the function's actions take (`lambda/actions`): the CLI runs the same actions. */
  readonly actionContext: ActionContext;
  /** The target for people, e.g. `postgres://app@127.0.0.1:5432/app` (no password). */
  readonly target: string;
  readonly appliedBy: string;
  /** The lock flags (`--lock-wait`, `--lock-lease`), for the engine commands that take the lock. */
  readonly lock: LockOptions | undefined;
}

/**
 * Checks the flags, compiles the migrations folder (before any database is reached, so bad input
 * fails fast; data migrations' modules bundled into a temporary folder the actions load them from), opens the target and, with `--snapshot-bucket`, the snapshot destination. Everything
 * opened is closed by the session's clean-ups.
 * @throws {UsageError} for bad target or snapshot flags
 * @throws {MigrationCompileError} for a migrations folder the compiler rejects
 */
export async function openProject(ctx: CommandContext, flags: ProjectFlags): Promise<Project> {
  const spec = resolveTarget(flags, (flag) => ctx.optionSource(flag), ctx.io.cwd);
  const schemas = parseSchemas(flags.schemas);
  // Data migrations' modules are bundled as the construct bundles them at synth, into a folder of this run.
  const dataDir = await dataModulesFolder(ctx.session);
  const bundle = await loadBundle(flags.migrations, ctx.resolve(flags.migrations), flags.layout, dataDir);
  const loadDataMigration = bundle.migrations.some((m) => m.data) ? moduleLoader(dataDir) : undefined;
  const lock = lockOptionsOf(flags);
  const snapshots = await openSnapshotTarget(flags, ctx.session);
  const driver = await openTarget(spec, ctx.session, ctx.log);
  const who = appliedBy(flags.appliedBy);
  return {
    bundle,
    driver,
    target: describeTarget(spec, ctx.io.cwd),
    appliedBy: who,
    lock,
    actionContext: {
      driver,
      bundle,
      schemas,
      appliedBy: who,
      log: ctx.log,
      ...(snapshots ? { snapshots } : {}),
      ...(lock ? { lock } : {}),
      ...(loadDataMigration ? { loadDataMigration } : {}),
    },
  };
}
