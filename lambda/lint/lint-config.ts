import { z } from 'zod';
import { RULES, RULE_IDS, isRuleId, type RuleId, type Severity } from './rule-catalog';

/**
 * Lint configuration: per-rule severity and the small-table threshold. Typically read from a JSON
 * file (`{"rules": {"prefer-text-over-varchar": "off"}, "smallTableRows": 50000}`) by the CLI or
 * the construct and checked with {@link parseLintConfig}.
 */
export interface LintConfig {
  /** Severity per rule id; rules not named keep their default (see `RULES`). */
  readonly rules?: Partial<Record<RuleId, Severity>>;
  /**
   * Tables with fewer rows than this (from `pg_class.reltuples`, or the `tableSizes` option) exempt
   * the size-sensitive rules (a non-concurrent index, a validating constraint, a rewrite): the lock
   * is held for milliseconds. Counted in rows. @default 10_000
   */
  readonly smallTableRows?: number;
}

/** The configuration with every default filled in. */
export interface ResolvedLintConfig {
  readonly severities: ReadonlyMap<RuleId, Severity>;
  readonly smallTableRows: number;
}

/** The default small-table threshold, in rows. */
export const DEFAULT_SMALL_TABLE_ROWS = 10_000;

/** Bad lint configuration; `issues` names each bad field (`rules.foo: unknown rule id`). */
export class LintConfigError extends Error {
  override readonly name = 'LintConfigError';
  constructor(
    readonly source: string,
    readonly issues: string[],
  ) {
    super(`Invalid lint configuration in ${source}: ${issues.join('; ')}`);
  }
}

const SEVERITIES: readonly string[] = ['error', 'warning', 'off'];
const configSchema = z.strictObject({
  // Keys and values are checked together so that one bad severity does not hide an unknown rule id.
  rules: z
    .record(z.string(), z.unknown(), { error: 'must be an object of rule id → "error" | "warning" | "off"' })
    .superRefine((rules, ctx) => {
      for (const [id, severity] of Object.entries(rules)) {
        if (!isRuleId(id)) ctx.addIssue({ code: 'custom', path: [id], message: `unknown rule id (known: ${RULE_IDS.join(', ')})` });
        if (typeof severity !== 'string' || !SEVERITIES.includes(severity)) {
          ctx.addIssue({ code: 'custom', path: [id], message: 'must be "error", "warning" or "off"' });
        }
      }
    })
    .optional(),
  smallTableRows: z
    .number({ error: 'must be a number of rows' })
    .int('must be a whole number of rows')
    .nonnegative('must be 0 or more rows')
    .optional(),
});

/**
 * Checks a configuration object (parsed JSON, or a `LintConfig` built in code).
 * @param source what the object came from, for the error message (a file path)
 * @throws {LintConfigError} naming every bad field: unknown keys, unknown rule ids, bad severities,
 *   a negative or fractional `smallTableRows`
 */
export function parseLintConfig(input: unknown, source = 'lint configuration'): LintConfig {
  const result = configSchema.safeParse(input ?? {});
  if (result.success) return result.data as LintConfig;
  const issues = result.error.issues.map((issue) => {
    const path = issue.path.map(String).join('.');
    return path ? `${path}: ${issue.message}` : issue.message;
  });
  throw new LintConfigError(source, issues);
}

/**
 * Fills in the defaults after checking the configuration.
 * @throws {LintConfigError} as {@link parseLintConfig}
 */
export function resolveLintConfig(config: LintConfig | undefined): ResolvedLintConfig {
  const checked = parseLintConfig(config ?? {}, 'LintConfig');
  const severities = new Map<RuleId, Severity>();
  for (const rule of RULES) severities.set(rule.id, checked.rules?.[rule.id] ?? rule.defaultSeverity);
  return { severities, smallTableRows: checked.smallTableRows ?? DEFAULT_SMALL_TABLE_ROWS };
}
