import { z } from 'zod';
import { BUNDLE_FILE_NAME, type BundledMigration, type BundledRepeatable, type MigrationBundle } from './bundle';
import { bundleChecksum } from './checksum';
import { compareVersions, VERSION_PATTERN } from './compare-versions';
import { isDataModulePath } from './data-module-path';
import { MAX_RETRIES, MAX_TIMEOUT_MS } from './directives';
import { compareRepeatables } from './repeatable-order';
import { migrationTouchesSchema } from '../snapshot/scope/migration-touches';

/** The bundle JSON the function was given is malformed; `issues` names each bad field. */
export class InvalidBundleError extends Error {
  override readonly name = 'InvalidBundleError';
  constructor(
    readonly source: string,
    readonly issues: string[],
  ) {
    super(`${source} is not a valid migration bundle: ${issues.join('; ')}`);
  }
}

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'expected a sha256 checksum (64 lower-case hex digits)');

const statementSchema = z.object({
  sql: z.string().min(1),
  line: z.number().int().min(1),
  nonTransactional: z.boolean(),
});

const scriptSchema = z.object({
  file: z.string().min(1),
  checksum: sha256,
  statements: z.array(statementSchema),
});

const milliseconds = z.number().int().min(0).max(MAX_TIMEOUT_MS);

const directivesSchema = z.object({
  transaction: z.boolean().optional(),
  lockTimeoutMs: milliseconds.optional(),
  statementTimeoutMs: milliseconds.optional(),
  retries: z.number().int().min(0).max(MAX_RETRIES).optional(),
});

const migrationSchema = z.object({
  version: z.string().regex(VERSION_PATTERN, 'expected digit groups separated by dots, e.g. 0022'),
  name: z.string().min(1),
  checksum: sha256,
  transactional: z.boolean(),
  directives: directivesSchema.optional(),
  up: scriptSchema,
  down: scriptSchema.optional(),
  verify: scriptSchema.optional(),
  data: z
    .object({
      module: z.string().refine(isDataModulePath, 'expected a relative path inside the bundle\'s folder ending in .mjs, e.g. data/0042_backfill.mjs'),
      down: z.boolean().optional(),
    })
    .optional(),
  touches: migrationTouchesSchema.optional(),
});

const repeatableSchema = z.object({
  name: z.string().min(1),
  checksum: sha256,
  transactional: z.boolean(),
  directives: directivesSchema.optional(),
  up: scriptSchema,
});

const bundleSchema = z.object({
  formatVersion: z.literal(1),
  checksum: sha256,
  migrations: z.array(migrationSchema),
  repeatables: z.array(repeatableSchema).optional(),
});

/**
 * Validates a parsed bundle JSON (`migrations.json`, written by the compiler) before the function
 * uses it: the shape of every field (directives within their bounds: timeouts 0 to 2147483647 ms,
 * retries 0 to 100; `touches` relations or an `unknown` reason, `migration-touches.ts`; a data
 * migration's `data.module` a `.mjs` path inside the bundle's folder, `data-module-path.ts`), then
 * that it is consistent as the compiler writes it (versions strictly
 * ascending, repeatables strictly in Flyway's description order, each checksum equal to its up
 * script's, `transactional` matching the up statements and the `transaction` directive, the bundle
 * checksum matching the scripts' checksums, their statements, directives and data migration
 * references (`bundleChecksum`), so a hand-edited bundle is refused; a data migration with no up statements, down script or directives).
 * Unknown fields are dropped.
 *
 * @param json the parsed JSON
 * @param source name of the bundle in error messages @default "migrations.json"
 * @returns the bundle, typed
 * @throws {InvalidBundleError} naming each bad field (e.g. `migrations[2].up.checksum: expected a
 *   sha256 checksum ...`), or the format version when it is not 1 (a bundle from another rds-migrate
 *   version: rebuild it with this one)
 */
export function loadBundle(json: unknown, source: string = BUNDLE_FILE_NAME): MigrationBundle {
  if (typeof json === 'object' && json !== null && 'formatVersion' in json && json.formatVersion !== 1) {
    throw new InvalidBundleError(source, [
      `formatVersion is ${JSON.stringify(json.formatVersion)}, but this version of rds-migrate reads formatVersion 1: ` +
        'compile the migrations again with the same rds-migrate version as the function',
    ]);
  }
  const parsed = bundleSchema.safeParse(json);
  if (!parsed.success) {
    throw new InvalidBundleError(
      source,
      parsed.error.issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`),
    );
  }
  const bundle = parsed.data as MigrationBundle;
  const issues = consistencyIssues(bundle);
  if (issues.length > 0) throw new InvalidBundleError(source, issues);
  return bundle;
}

function consistencyIssues(bundle: MigrationBundle): string[] {
  const issues: string[] = [];
  bundle.migrations.forEach((m, i) => {
    const previous = bundle.migrations[i - 1];
    if (previous && compareVersions(previous.version, m.version) >= 0) {
      issues.push(`migrations[${i}].version: "${m.version}" does not come after "${previous.version}" (versions must be strictly ascending)`);
    }
    issues.push(...runIssues(`migrations[${i}]`, m));
  });
  const repeatables = bundle.repeatables ?? [];
  repeatables.forEach((r, i) => {
    const previous = repeatables[i - 1];
    if (previous && compareRepeatables(previous.name, r.name) >= 0) {
      issues.push(`repeatables[${i}].name: "${r.name}" does not come after "${previous.name}" (repeatables are strictly ordered by description)`);
    }
    issues.push(...runIssues(`repeatables[${i}]`, r));
  });
  if (issues.length === 0 && bundleChecksum(bundle.migrations, repeatables) !== bundle.checksum) {
    issues.push(
      'checksum: does not match the migrations\' checksums (over versions, names, script checksums, statements, directives, data modules): ' +
        'the bundle was changed after it was compiled; compile the migrations again',
    );
  }
  return issues;
}

/** Issues of a migration's or repeatable's checksum and transaction mode against its up script and directives. */
function runIssues(at: string, m: BundledMigration | BundledRepeatable): string[] {
  const issues: string[] = [];
  if (m.checksum !== m.up.checksum) issues.push(`${at}.checksum: differs from its up script's checksum`);
  if ('data' in m && m.data) return [...issues, ...dataMigrationIssues(at, m)];
  const outside = m.up.statements.some((s) => s.nonTransactional);
  if (outside && m.directives?.transaction === true) {
    issues.push(`${at}.directives.transaction: true, but an up statement cannot run in a transaction`);
  }
  if (m.transactional !== (!outside && m.directives?.transaction !== false)) {
    issues.push(`${at}.transactional: contradicts the nonTransactional flags of its up statements and its transaction directive`);
  }
  return issues;
}

/** A data migration runs its module: no up statements, no down script, no directives, never one transaction. */
function dataMigrationIssues(at: string, m: BundledMigration): string[] {
  const issues: string[] = [];
  if (m.up.statements.length > 0) issues.push(`${at}.up.statements: a data migration's up script is its module's source, with no statements`);
  if (m.down) issues.push(`${at}.down: a data migration has no down script (its module's down function reverts it)`);
  if (m.directives) issues.push(`${at}.directives: a data migration takes no directives`);
  if (m.transactional) issues.push(`${at}.transactional: a data migration is never run in one transaction`);
  return issues;
}

function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(bundle)';
  return path.map((key, i) => (typeof key === 'number' ? `[${key}]` : `${i === 0 ? '' : '.'}${String(key)}`)).join('');
}
