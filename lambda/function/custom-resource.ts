import type { ActionContext } from '../actions/action-context';
import { runMigrate } from '../actions/migrate-action';
import type { CustomResourceEvent, CustomResourceResponse } from '../events/custom-resource-event';
import { VerificationFailedError } from './verification-failed-error';

/** The physical id: one per database, stable across updates (a new id would make CloudFormation delete the old resource). */
export function physicalResourceId(database: string): string {
  return `rds-migrate:${database}`;
}

/**
 * Answers a CloudFormation request for the migrations resource:
 * - Create / Update: snapshot, migrate (to `TargetVersion` or the bundle's last), verify; a failed
 *   migration or verification throws, which fails the deploy.
 * - Delete: changes nothing in the database (the schema and data outlive the stack).
 *
 * @returns the PhysicalResourceId and attributes (`CurrentVersion`, `Applied`, `SnapshotId`)
 * @throws {MigrationError|HistoryValidationError|LockHeldError|VerificationFailedError|SnapshotError}
 */
export async function handleCustomResource(ctx: ActionContext, event: CustomResourceEvent): Promise<CustomResourceResponse> {
  const id = event.PhysicalResourceId ?? physicalResourceId(ctx.driver.database);
  if (event.RequestType === 'Delete') {
    ctx.log.info('stack delete: the database is left as it is', { physicalResourceId: id });
    return { PhysicalResourceId: id };
  }
  const targetVersion = event.ResourceProperties.TargetVersion;
  const report = await runMigrate(ctx, targetVersion ? { targetVersion } : {});
  if (!report.ok) throw new VerificationFailedError(report.verification);
  return {
    PhysicalResourceId: id,
    Data: {
      CurrentVersion: report.migrate.current ?? '',
      Applied: report.migrate.applied.map((m) => m.version).join(','),
      SnapshotId: report.snapshot?.snapshotId ?? '',
    },
  };
}
