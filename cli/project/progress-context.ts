import type { ActionContext } from '../../lambda/actions/action-context';
import { dataMigrationProgressBar } from '../output/data-migration-progress';
import { withSnapshotProgress } from '../output/snapshot-progress';
import type { CommandContext } from '../run-command';
import { estimateRows } from './estimate-rows';
import type { Project } from './open-project';

/**
 * The project's action context with progress bars on stderr, when a bar may be drawn (stderr is a
 * terminal, no `--no-progress`, no `--json`): a snapshot's, when snapshots are configured (its total
 * is PostgreSQL's row estimate for the snapshot's schemas, one catalog query), and data migrations'
 * batch loops', when the bundle has any (`data-migration-progress.ts`). Otherwise the context as it is.
 */
export async function withProgress(ctx: CommandContext, project: Project): Promise<ActionContext> {
  if (!ctx.progress || ctx.json) return project.actionContext;
  const dataProgress = project.actionContext.loadDataMigration ? dataMigrationProgressBar(ctx.stderr) : undefined;
  const action: ActionContext = dataProgress ? { ...project.actionContext, onDataProgress: dataProgress } : project.actionContext;
  if (!action.snapshots) return action;
  const total = await estimateRows(project.driver, action.schemas);
  return { ...action, log: withSnapshotProgress(ctx.log, ctx.stderr, total) };
}
