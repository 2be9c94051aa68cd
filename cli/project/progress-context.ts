import type { ActionContext } from '../../lambda/actions/action-context';
import { withSnapshotProgress } from '../output/snapshot-progress';
import type { CommandContext } from '../run-command';
import { estimateRows } from './estimate-rows';
import type { Project } from './open-project';

/**
 * The project's action context with a snapshot progress bar on stderr, when a bar may be drawn
 * (stderr is a terminal, no `--no-progress`) and snapshots are configured; the bar's total is
 * PostgreSQL's row estimate for the snapshot's schemas (one catalog query). Otherwise the context
 * as it is.
 */
export async function withProgress(ctx: CommandContext, project: Project): Promise<ActionContext> {
  const action = project.actionContext;
  if (!ctx.progress || !action.snapshots) return action;
  const total = await estimateRows(project.driver, action.schemas);
  return { ...action, log: withSnapshotProgress(ctx.log, ctx.stderr, total) };
}
