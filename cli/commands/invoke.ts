import { Argument, Option, type Command } from 'commander';
import type { BaselineActionReport } from '../../lambda/actions/baseline-action';
import type { MigrateActionReport } from '../../lambda/actions/migrate-action';
import type { MigrateInProgressReport } from '../../lambda/function/budgeted-migrate';
import type { ListSnapshotsReport } from '../../lambda/actions/list-snapshots-action';
import type { PlanActionReport } from '../../lambda/actions/plan-action';
import type { RestoreActionReport } from '../../lambda/actions/restore-action';
import type { RestorePlanActionReport } from '../../lambda/actions/restore-plan-action';
import { assertSnapshotId } from '../../lambda/snapshot/snapshot-id';
import type { RepairActionReport } from '../../lambda/actions/repair-action';
import type { RollbackActionReport } from '../../lambda/actions/rollback-action';
import type { UnlockActionReport } from '../../lambda/actions/unlock-action';
import type { SnapshotSummary } from '../../lambda/actions/snapshot-action';
import type { StatusActionReport } from '../../lambda/actions/status-action';
import type { VerifyActionReport } from '../../lambda/actions/verify-action';
import { ExitCode } from '../exit-codes';
import { addHelp } from '../help';
import { addOutputOptions, type OutputFlags } from '../output/output-options';
import type { Printer } from '../output/printer';
import { renderBaseline } from '../output/render-baseline';
import { renderMigrate, renderMigrateInProgress } from '../output/render-migrate';
import { renderPlan } from '../output/render-plan';
import { renderRestore } from '../output/render-restore';
import { renderRestorePlan } from '../output/render-restore-plan';
import { renderSnapshotList } from '../output/render-snapshots';
import { renderRepair } from '../output/render-repair';
import { renderRollback } from '../output/render-rollback';
import { renderUnlock } from '../output/render-unlock';
import { renderSnapshot } from '../output/render-snapshot';
import { renderStatus } from '../output/render-status';
import { renderVerification } from '../output/render-verification';
import { checkVersionFlag } from '../project/versions';
import { runCommand } from '../run-command';
import type { Session } from '../session';
import { FunctionInvocationError, invokeFunction } from '../target/invoke-function';
import { checkEndpoint } from '../target/target-options';
import { UsageError } from '../usage-error';

const ACTIONS = ['status', 'migrate', 'verify', 'snapshot', 'list-snapshots', 'restore', 'plan', 'rollback', 'baseline', 'repair', 'unlock'] as const;
type InvokeAction = (typeof ACTIONS)[number];

interface InvokeFlags extends OutputFlags {
  readonly functionName?: string;
  readonly to?: string;
  readonly version?: string;
  readonly limit?: string;
  readonly snapshotId?: string;
  readonly confirm?: string;
  readonly targetDatabase?: string;
  readonly targetSchema?: string;
  readonly region?: string;
  readonly lambdaEndpoint?: string;
  readonly logs?: boolean;
  readonly dryRun?: boolean;
}

/** Actions that take `--to` (the event's `targetVersion`). */
const TAKES_TO: ReadonlySet<InvokeAction> = new Set(['migrate', 'plan', 'rollback']);

/**
 * The function's manual event for an action (`lambda/events/manual-event.ts`). `rollback` needs `--to`
 * and sends it as `confirm` too (typing it on the command line is the confirmation, as for the local
 * rollback; with `--dry-run` the event is `{"action":"plan","direction":"down"}` instead); `baseline` needs `--version`; `list-snapshots` takes `--limit` (1 to 1,000, the event's
 * bound); `restore` needs `--snapshot-id` and `--confirm` repeating it (checked here, before anything is
 * sent), optionally `--target-database` or `--target-schema`; with `--dry-run` it sends `"dryRun":true`
 * (the function's plan of that restore, changing nothing: into another database, the migrations it would
 * apply there first too), `--confirm` then optional (given, it must still repeat the id).
 * @throws {UsageError} naming the flag that is missing, malformed or not for this action
 */
function eventFor(action: InvokeAction, flags: InvokeFlags): Record<string, unknown> {
  const { to, version } = flags;
  if (to !== undefined && !TAKES_TO.has(action)) throw new UsageError(`--to is only for invoke migrate, plan and rollback, not ${action}`);
  if (version !== undefined && action !== 'baseline') throw new UsageError(`--version is only for invoke baseline, not ${action}`);
  if (flags.limit !== undefined && action !== 'list-snapshots') throw new UsageError(`--limit is only for invoke list-snapshots, not ${action}`);
  for (const [flag, value] of [['--snapshot-id', flags.snapshotId], ['--confirm', flags.confirm], ['--target-database', flags.targetDatabase], ['--target-schema', flags.targetSchema]] as const) {
    if (value !== undefined && action !== 'restore') throw new UsageError(`${flag} is only for invoke restore, not ${action}`);
  }
  if (action === 'list-snapshots') {
    if (flags.limit === undefined) return { action };
    const limit = Number(flags.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new UsageError(`--limit: ${JSON.stringify(flags.limit)} must be a whole number from 1 to 1000`);
    return { action, limit };
  }
  if (action === 'restore') {
    if (flags.snapshotId === undefined) throw new UsageError('--snapshot-id <id> is required for invoke restore: the snapshot to restore (see invoke list-snapshots)');
    const snapshotId = flags.snapshotId;
    try {
      assertSnapshotId(snapshotId, '--snapshot-id');
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    // A dry run changes nothing: --confirm is not needed, but one given must still be the right one.
    if ((!flags.dryRun || flags.confirm !== undefined) && flags.confirm !== snapshotId) {
      throw new UsageError(`--confirm must repeat the snapshot id ${snapshotId}: the rows of its tables are replaced; nothing was sent`);
    }
    if (flags.targetDatabase !== undefined && flags.targetSchema !== undefined) throw new UsageError('--target-database or --target-schema, not both; nothing was sent');
    return {
      action, snapshotId,
      ...(flags.confirm !== undefined ? { confirm: flags.confirm } : {}),
      ...(flags.targetDatabase ? { targetDatabase: flags.targetDatabase } : {}),
      ...(flags.targetSchema !== undefined ? { targetSchema: flags.targetSchema } : {}),
      ...(flags.dryRun ? { dryRun: true } : {}),
    };
  }
  if (flags.dryRun && action !== 'rollback') {
    throw new UsageError(`--dry-run is only for invoke rollback (plan is migrate's dry run), not ${action}; invoke restore takes it too`);
  }
  if (action === 'rollback') {
    if (to === undefined) throw new UsageError('--to <version> is required for invoke rollback: the version to end at (0 reverts everything)');
    const targetVersion = checkVersionFlag(to, '--to');
    // --dry-run: the function's plan of that rollback, changing nothing.
    return flags.dryRun ? { action: 'plan', direction: 'down', targetVersion } : { action, targetVersion, confirm: targetVersion };
  }
  if (action === 'baseline') {
    if (version === undefined) throw new UsageError('--version <version> is required for invoke baseline: the last version the database already has');
    return { action, version: checkVersionFlag(version, '--version') };
  }
  return to === undefined ? { action } : { action, targetVersion: checkVersionFlag(to, '--to') };
}

/** Exit code of a report the function returned: 2 when its verification failed. */
function exitCodeOf(action: InvokeAction, report: unknown): ExitCode {
  if (action === 'migrate' || action === 'rollback' || action === 'baseline') {
    return (report as { ok?: boolean }).ok === false ? ExitCode.VerificationFailed : ExitCode.Success;
  }
  if (action === 'verify') return (report as VerifyActionReport).verification?.ok === false ? ExitCode.VerificationFailed : ExitCode.Success;
  return ExitCode.Success;
}

function render(action: InvokeAction, report: unknown, out: Printer): void {
  switch (action) {
    case 'status':
      return renderStatus(report as StatusActionReport, out);
    case 'migrate':
      return 'inProgress' in (report as object) ? renderMigrateInProgress(report as MigrateInProgressReport, out) : renderMigrate(report as MigrateActionReport, out);
    case 'verify':
      out.line(`${out.colour.bold('Database')} ${(report as VerifyActionReport).database}`);
      return renderVerification((report as VerifyActionReport).verification, out);
    case 'snapshot':
      return renderSnapshot((report as { snapshot: SnapshotSummary }).snapshot, out);
    case 'plan':
      return renderPlan(report as PlanActionReport, out);
    case 'rollback':
      return renderRollback(report as RollbackActionReport, out);
    case 'baseline':
      return renderBaseline(report as BaselineActionReport, out);
    case 'repair':
      return renderRepair(report as RepairActionReport, out);
    case 'unlock':
      return renderUnlock(report as UnlockActionReport, out);
    case 'list-snapshots':
      return renderSnapshotList(report as ListSnapshotsReport, out, '--limit');
    case 'restore':
      // A dry run's report ({"dryRun":true}) is the plan of the restore, not its outcome.
      return (report as { dryRun?: boolean }).dryRun === true ? renderRestorePlan(report as RestorePlanActionReport, out) : renderRestore(report as RestoreActionReport, out);
  }
}

/**
 * `rds-migrate invoke <action>`: calls the deployed function (the construct's) through
 * `@aws-sdk/client-lambda` and prints its report, with the exit code the report implies; an error the
 * function threw maps by its type (LockHeldError → 3, InvalidEventError → 4, ...).
 */
export function registerInvoke(program: Command, session: Session): void {
  const command = program
    .command('invoke')
    .addArgument(new Argument('<action>', 'what the function does').choices(ACTIONS as unknown as string[]))
    .summary('run a console action (status, migrate, verify, snapshot, list-snapshots, restore, plan, rollback, baseline, repair, unlock) in the deployed function')
    .description(
      'Invokes the deployed migrations function (DatabaseMigrations\' function) synchronously with ' +
        '{"action": "<action>"} and prints its report: the console\'s manual actions from a terminal. migrate ' +
        'takes a snapshot, applies the pending migrations (up to --to) and verifies, all in AWS; plan shows what it ' +
        'would run; rollback --to V reverts above V (a snapshot first); baseline --version V adopts an existing ' +
        'schema; repair and unlock act on the schema history and the lock; list-snapshots and restore --snapshot-id ID ' +
        '--confirm ID reach the snapshots in the function\'s bucket (restore --dry-run shows what the restore would do). Exit codes as ' +
        'for the local commands; an error thrown in the function maps by its type (LockHeldError exits 3).',
    )
    .addOption(new Option('--function-name <name>', 'the function\'s name or ARN (stack output MigrationsFunctionName)').env('RDS_MIGRATE_FUNCTION_NAME'))
    .option('--to <version>', 'migrate, plan: last version to apply; rollback: the version to end at')
    .option('--version <version>', 'baseline: the last version the database already has')
    .option('--limit <n>', 'list-snapshots: list at most this many (default 20)')
    .option('--snapshot-id <id>', 'restore: the snapshot to restore')
    .option('--confirm <id>', 'restore: repeat the snapshot id (its tables\' rows are replaced)')
    .option('--target-database <name>', 'restore: a copy into this database of the cluster instead')
    .option('--target-schema <name>', 'restore: a copy into this new schema of the database instead, next to the live tables')
    .option('--region <region>', 'AWS region of the function (default: the SDK\'s)')
    .option('--lambda-endpoint <url>', 'Lambda endpoint, for a local stand-in')
    .option('--logs', 'print the tail of the function\'s log (last 4 KB) on stderr')
    .option('--dry-run', 'rollback: print the statements the rollback would run (the function\'s plan); restore: print the tables the restore would empty and load, in order, with their rows; change nothing');
  addOutputOptions(command);
  addHelp(command, {
    examples: [
      'rds-migrate invoke status --function-name MyStack-MigrationsFunction1A2B3C',
      'RDS_MIGRATE_FUNCTION_NAME=MyStack-MigrationsFunction1A2B3C rds-migrate invoke migrate --to 0023 --logs',
      'rds-migrate invoke verify --json',
      'rds-migrate invoke plan --to 0023',
      'rds-migrate invoke rollback --to 0022 --dry-run',
      'rds-migrate invoke baseline --version 0021',
      'rds-migrate invoke unlock --json',
      'rds-migrate invoke list-snapshots --limit 5',
      'rds-migrate invoke restore --snapshot-id 20250314T091500Z-3fa9c01b --dry-run',
      'rds-migrate invoke restore --snapshot-id 20250314T091500Z-3fa9c01b --confirm 20250314T091500Z-3fa9c01b',
    ],
  });
  command.action(
    runCommand<InvokeFlags>(session, async (ctx, flags, [actionArg]) => {
      const action = actionArg as InvokeAction;
      if (!flags.functionName) throw new UsageError('--function-name is required (or RDS_MIGRATE_FUNCTION_NAME): the deployed function, see the stack output MigrationsFunctionName');
      const event = eventFor(action, flags);
      const outcome = await invokeFunction(
        {
          functionName: flags.functionName,
          event,
          ...(flags.region ? { region: flags.region } : {}),
          ...(flags.lambdaEndpoint ? { endpoint: checkEndpoint(flags.lambdaEndpoint, '--lambda-endpoint') } : {}),
          ...(flags.logs ? { tail: true } : {}),
        },
        session,
      );
      if (outcome.logs !== undefined) {
        ctx.stderr.writeLine(`--- log tail of ${flags.functionName} ---`);
        for (const line of outcome.logs.trimEnd().split('\n')) ctx.stderr.writeLine(line);
        ctx.stderr.writeLine('---');
      }
      if (!outcome.ok) {
        throw new FunctionInvocationError(outcome.error.errorType, outcome.error.errorMessage, flags.functionName, outcome.error.trace);
      }
      const report = outcome.result;
      // What the function ran: the event's action (rollback --dry-run sends plan).
      const ran = event.action as InvokeAction;
      return { report, exitCode: exitCodeOf(ran, report), human: (out) => render(ran, report, out) };
    }),
  );
}
