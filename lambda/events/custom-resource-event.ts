import { z } from 'zod';
import { versionSchema } from './version';

/**
 * The properties the construct gives the custom resource (all strings, as CloudFormation sends them).
 * `MigrationsChecksum` changes with any migration file, so CloudFormation sends an Update, which
 * migrates.
 */
export const migrationResourcePropertiesSchema = z.looseObject({
  ServiceToken: z.string().optional(),
  MigrationsChecksum: z.string().min(1, 'MigrationsChecksum is required (the construct sets it)'),
  TargetVersion: versionSchema.optional(),
});

/**
 * A CloudFormation custom resource request as the CDK Provider framework hands it to its onEvent
 * handler (CloudFormation user guide, "Custom resource request objects"). The Provider framework
 * answers CloudFormation itself: this function returns `{ PhysicalResourceId, Data }` or throws.
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
});

export type CustomResourceEvent = z.infer<typeof customResourceEventSchema>;

/** What the onEvent handler returns to the Provider framework. */
export interface CustomResourceResponse {
  readonly PhysicalResourceId: string;
  readonly Data?: Record<string, string | number | boolean>;
}
