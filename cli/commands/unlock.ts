import type { Command } from 'commander';
import { addHelp } from '../help';
import { addOutputOptions, type OutputFlags } from '../output/output-options';
import { renderUnlock } from '../output/render-unlock';
import { runCommand } from '../run-command';
import type { Session } from '../session';
import { openTarget } from '../target/open-target';
import { addTargetOptions, resolveTarget, type TargetFlags } from '../target/target-options';

/** `rds-migrate unlock`: force-releases the migration lock (the engine's unlock). */
export function registerUnlock(program: Command, session: Session): void {
  const command = program
    .command('unlock')
    .summary('force-release the migration lock left by a runner that died')
    .description(
      'Removes the migration lock lease whoever holds it, for a runner that died (a killed CLI, a timed-out ' +
        'function) when waiting for its lease to expire is not wanted. A holder still running notices at its next ' +
        'heartbeat or schema history write and stops. Prints who held it. Needs no migrations folder.',
    );
  addTargetOptions(command);
  addOutputOptions(command);
  addHelp(command, { targets: true, examples: ['rds-migrate unlock', 'rds-migrate unlock --json'] });
  command.action(
    runCommand<TargetFlags & OutputFlags>(session, async (ctx, flags) => {
      const driver = await openTarget(resolveTarget(flags, (flag) => ctx.optionSource(flag), ctx.io.cwd), session, ctx.log);
      const { runUnlock } = await import('../../lambda/actions/unlock-action');
      // The function's unlock action, as {"action":"unlock"} runs it.
      const report = await runUnlock({ driver, log: ctx.log });
      return { report, human: (out) => renderUnlock(report, out) };
    }),
  );
}
