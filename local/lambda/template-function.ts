import type { Template } from './cloud-assembly';

/** The variable that marks a function as the migrations function (`lib/function-environment.ts`). */
export const MIGRATIONS_FUNCTION_MARKER = 'RDS_MIGRATE_CLUSTER_ARN';

/** The variable that marks the Provider framework's isComplete copy of it (`lambda/function/provider-phase.ts`). */
export const PROVIDER_HANDLER_MARKER = 'RDS_MIGRATE_PROVIDER_HANDLER';

/** Which of the migrations functions: the onEvent one (also the console's), or its isComplete copy. */
export type MigrationsFunctionRole = 'onEvent' | 'isComplete';

/** A Lambda function as the template defines it. */
export interface TemplateFunction {
  readonly logicalId: string;
  /** `S3Key` of its `Code`: the asset's object key. */
  readonly codeObjectKey: string;
  /** `Handler`, e.g. `index.handler`. */
  readonly handler: string;
  /** `Runtime`, e.g. `nodejs22.x`. */
  readonly runtime: string;
  /** `Timeout` in seconds (CloudFormation's default: 3). */
  readonly timeoutSeconds: number;
  /** `MemorySize` in MB (CloudFormation's default: 128). */
  readonly memorySize: number;
  /** `Environment.Variables` as written: strings, or CloudFormation expressions (`Ref`, `Fn::GetAtt`, ...). */
  readonly variables: Record<string, unknown>;
}

/**
 * Finds one `AWS::Lambda::Function` in a template: the one whose logical id starts with
 * `logicalIdPrefix` when given, else the migrations function of the given role: its environment has
 * `RDS_MIGRATE_CLUSTER_ARN` (the Provider framework's own functions do not), and
 * `RDS_MIGRATE_PROVIDER_HANDLER=isComplete` exactly for the `isComplete` role.
 *
 * @param role which migrations function, when no prefix is given. @default 'onEvent'
 * @throws Error when none or several match (listing the candidates' logical ids), or the match's
 *         code is not an S3 asset (inline code)
 */
export function findTemplateFunction(template: Template, templateFile: string, logicalIdPrefix?: string, role: MigrationsFunctionRole = 'onEvent'): TemplateFunction {
  const functions = Object.entries(template.Resources ?? {}).filter(([, r]) => r.Type === 'AWS::Lambda::Function');
  const roleOf = (variables: Record<string, unknown>): MigrationsFunctionRole => (variables[PROVIDER_HANDLER_MARKER] === 'isComplete' ? 'isComplete' : 'onEvent');
  const matches = functions.filter(([id, r]) => {
    if (logicalIdPrefix !== undefined) return id.startsWith(logicalIdPrefix);
    const variables = variablesOf(r.Properties) ?? {};
    return MIGRATIONS_FUNCTION_MARKER in variables && roleOf(variables) === role;
  });
  const wanted =
    logicalIdPrefix !== undefined
      ? `a logical id starting with "${logicalIdPrefix}"`
      : `${MIGRATIONS_FUNCTION_MARKER} in its environment${role === 'isComplete' ? ` and ${PROVIDER_HANDLER_MARKER}=isComplete` : ''}`;
  const all = functions.map(([id]) => id).join(', ') || 'none';
  if (matches.length !== 1) {
    const what = matches.length === 0 ? 'no function' : `${matches.length} functions (${matches.map(([id]) => id).join(', ')})`;
    throw new Error(`${templateFile} has ${what} with ${wanted}; its functions: ${all}`);
  }
  const [logicalId, resource] = matches[0]!;
  const props = resource.Properties ?? {};
  const code = props.Code as { S3Key?: unknown } | undefined;
  if (typeof code?.S3Key !== 'string') {
    throw new Error(`function ${logicalId} in ${templateFile} has no asset code (Code.S3Key)`);
  }
  return {
    logicalId,
    codeObjectKey: code.S3Key,
    handler: typeof props.Handler === 'string' ? props.Handler : 'index.handler',
    runtime: typeof props.Runtime === 'string' ? props.Runtime : 'unknown',
    timeoutSeconds: typeof props.Timeout === 'number' ? props.Timeout : 3,
    memorySize: typeof props.MemorySize === 'number' ? props.MemorySize : 128,
    variables: variablesOf(props) ?? {},
  };
}

function variablesOf(props: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  const environment = props?.Environment as { Variables?: Record<string, unknown> } | undefined;
  return environment?.Variables;
}

/** A function environment split into what the template fixes and what CloudFormation resolves at deploy time. */
export interface ResolvedEnvironment {
  /** Literal values, with the caller's overrides applied. */
  readonly environment: Record<string, string>;
  /** Variables whose value is a CloudFormation expression with no override: name → expression. */
  readonly unresolved: Record<string, unknown>;
}

/**
 * Resolves a template environment: string values are kept, overrides replace any value (literal or
 * expression) and may add variables, and the remaining expressions are reported as unresolved.
 */
export function resolveEnvironment(variables: Record<string, unknown>, overrides: Record<string, string> = {}): ResolvedEnvironment {
  const environment: Record<string, string> = {};
  const unresolved: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(variables)) {
    if (name in overrides) continue;
    if (typeof value === 'string') environment[name] = value;
    else unresolved[name] = value;
  }
  return { environment: { ...environment, ...overrides }, unresolved };
}
