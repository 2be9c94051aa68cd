import { z } from 'zod';
import { versionSchema } from './version';

/**
 * What the function does when a stack rollback sends it an older migration bundle than the database
 * has applied (see `function/deploy/stack-rollback.ts`):
 * - `retain`: leave the schema as it is and succeed (the documented practice: forward-compatible
 *   migrations, so the old code runs on the newer schema);
 * - `down`: revert the versions the old bundle does not have with their down scripts, only when every
 *   one of them is reversible; otherwise fail, naming each version that is not.
 */
export const ON_ROLLBACK_POLICIES = ['retain', 'down'] as const;
export type OnRollbackPolicy = (typeof ON_ROLLBACK_POLICIES)[number];

/** CloudFormation sends every property as a string: `"true"` / `"false"` for a flag. */
const stringFlag = z.enum(['true', 'false'], { error: 'must be "true" or "false"' });

/**
 * The properties the construct gives the custom resource (all strings, as CloudFormation sends them).
 * `MigrationsChecksum` changes with any migration file and `HandlerCodeHash` with the function's code,
 * so either change makes CloudFormation send an Update, which migrates.
 */
export const migrationResourcePropertiesSchema = z.looseObject({
  ServiceToken: z.string().optional(),
  /** sha256 of the compiled migration bundle. */
  MigrationsChecksum: z.string().min(1, 'MigrationsChecksum is required (the construct sets it)'),
  /** Hash of the function's code asset (the bundled `index.js` with `migrations.json`). */
  HandlerCodeHash: z.string().optional(),
  /** Migrate up to this version and no further. @default the bundle's last */
  TargetVersion: versionSchema.optional(),
  /**
   * Adopt an existing schema on the first deployment: when the schema history is empty, record the
   * versions up to this one as applied without running them (their verify scripts must pass), then
   * migrate the rest; a history without this version applied fails the deployment
   * (`function/deploy/deployment-baseline.ts`). @default none: nothing is baselined
   */
  BaselineVersion: versionSchema.optional(),
  /** See {@link ON_ROLLBACK_POLICIES}. @default 'retain' */
  OnRollback: z.enum(ON_ROLLBACK_POLICIES, { error: 'must be "retain" or "down"' }).optional(),
  /** `"true"`: take a snapshot when the resource is deleted. @default "false" */
  FinalSnapshot: stringFlag.optional(),
  /**
   * Seconds one deployment's migration may take in all, across invocations: past it the deploy fails
   * naming what is left, well before CloudFormation's one-hour limit. @default 2700 (45 minutes)
   */
  DeployTimeoutSeconds: z
    .string()
    .regex(/^[1-9][0-9]{0,4}$/, 'must be a whole number of seconds')
    .refine((s) => Number(s) <= 3600, 'must be at most 3600 seconds (CloudFormation custom resource limit)')
    .optional(),
});

export type MigrationResourceProperties = z.infer<typeof migrationResourcePropertiesSchema>;

/**
 * A CloudFormation custom resource request as the CDK Provider framework hands it to its onEvent
 * handler (CloudFormation user guide, "Custom resource request objects"), or to its isComplete
 * handler: then with the onEvent handler's answer merged in (`PhysicalResourceId`, `Data`). The
 * Provider framework answers CloudFormation itself: this function returns or throws.
 */
export const customResourceEventSchema = z.looseObject({
  RequestType: z.enum(['Create', 'Update', 'Delete']),
  RequestId: z.string().optional(),
  StackId: z.string().optional(),
  LogicalResourceId: z.string().optional(),
  ResourceType: z.string().optional(),
  PhysicalResourceId: z.string().optional(),
  ResourceProperties: migrationResourcePropertiesSchema,
  OldResourceProperties: z.record(z.string(), z.unknown()).optional(),
  /** Only in isComplete requests: what the onEvent handler answered. */
  Data: z.record(z.string(), z.unknown()).optional(),
});

export type CustomResourceEvent = z.infer<typeof customResourceEventSchema>;

/** Attribute values of the resource (`Fn::GetAtt`), all strings. */
export type CustomResourceData = Record<string, string>;

/**
 * What the onEvent handler returns to the Provider framework. `Data` is present when the work is
 * done; without it the isComplete handler continues the work (see `function/custom-resource.ts`).
 */
export interface CustomResourceResponse {
  readonly PhysicalResourceId: string;
  readonly Data?: CustomResourceData;
}

/**
 * What the isComplete handler returns to the Provider framework: `IsComplete: false` makes it ask
 * again after its query interval (no `Data` allowed then); `true` ends the operation, its `Data`
 * merged over the onEvent handler's.
 */
export type IsCompleteResponse = { readonly IsComplete: false } | { readonly IsComplete: true; readonly Data?: CustomResourceData };
