/**
 * Hostile and malformed events, and hostile configuration, against the function.
 *
 * - `parseEvent` over thousands of generated events (manual, CloudFormation, EventBridge shapes with
 *   hostile members; arbitrary JSON; arbitrary values): it accepts only events whose every field is
 *   valid, and refuses the rest with InvalidEventError naming each bad field; nothing else escapes.
 * - The handler over generated events against a real database (shop bundle, a canary table): each run
 *   ends with a report or a clear error; a refused event changes nothing (no schema history, no row);
 *   no event can alter SQL: the canary and every table survive, only the bundle's migrations are ever
 *   recorded.
 * - Events of extreme size and depth (a 5 MB version, 10,000 levels of nesting, 100,000 members).
 * - The function's environment: schema names and snapshot prefixes that are not plain identifiers or
 *   safe key prefixes are refused by name before anything runs.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadFunctionConfig } from '../../lambda/config/function-config';
import { PgDriver } from '../../lambda/driver/pg/pg-driver';
import { InvalidEventError, parseEvent } from '../../lambda/events/parse-event';
import { createHandler } from '../../lambda/function/create-handler';
import { assertKeyPrefix, tableObjectKey } from '../../lambda/snapshot/keys';
import { SNAPSHOT_ID_PATTERN } from '../../lambda/snapshot/snapshot-id';
import { recordFigures } from './support/figures';
import { compileTaskRoot, type TaskRoot } from './support/function-stack';
import { anyEvent, deeplyNested, hostileString, INJECTION_STRINGS, plausibleEvent } from './support/hostile-values';
import { crashReason, settle } from './support/outcome';
import { createScratchDatabase, type ScratchDatabase } from './support/scratch-database';
import { SHOP_MIGRATIONS, SHOP_SEED_SQL, SHOP_VERSIONS } from './support/shop-fixture';

const AREA = 'hostile events and configuration';
const VERSION = /^[0-9]+(\.[0-9]+)*$/;
const CANARY_ROWS = 25;

let db: ScratchDatabase;
let task: TaskRoot;
beforeAll(async () => {
  db = await createScratchDatabase(inject('pgAdminUrl'), 'rel_hostile_events');
  await db.sql(SHOP_SEED_SQL);
  await db.sql(`CREATE TABLE canary (id int PRIMARY KEY, note text); INSERT INTO canary SELECT g, 'still here' FROM generate_series(1, ${CANARY_ROWS}) AS g;`);
  task = await compileTaskRoot(SHOP_MIGRATIONS);
}, 120_000);
afterAll(async () => {
  await task?.remove();
  await db?.drop();
});

/** The function's environment for this database; snapshots off (no bucket), so events run quickly. */
const baseEnv = (): Record<string, string> => ({
  RDS_MIGRATE_CLUSTER_ARN: 'arn:aws:rds:us-east-1:123456789012:cluster:local',
  RDS_MIGRATE_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:local',
  RDS_MIGRATE_DATABASE: db.name,
  LAMBDA_TASK_ROOT: task.dir,
  AWS_LAMBDA_FUNCTION_NAME: 'hostile',
});

/** The handler over `pg` (this property is about events, not the transport). */
const handlerWith = (env: Record<string, string>) => createHandler({ env, driver: () => new PgDriver({ connectionString: db.url }) });

/** Every refused event must say, field by field, what was wrong. */
function refusalProblem(error: unknown): string | undefined {
  if (!(error instanceof InvalidEventError)) return `not an InvalidEventError: ${crashReason(error) ?? (error as Error).message}`;
  const named = (issue: string) => issue.includes(': ') || /^and \d+ more issue/.test(issue);
  if (error.issues.length === 0 || !error.issues.every(named)) return `an issue names no field: ${JSON.stringify(error.issues)}`;
  return undefined;
}

/** What a parsed event lets through: versions are digit groups, snapshot ids ids, confirmations exact, request types known. */
function acceptedProblem(event: ReturnType<typeof parseEvent>): string | undefined {
  if (event.kind === 'manual') {
    const e = event.event as Record<string, unknown>;
    for (const field of ['targetVersion', 'version'] as const) {
      const v = e[field];
      if (v !== undefined && (typeof v !== 'string' || !VERSION.test(v) || v.length > 64)) return `${field} ${JSON.stringify(v)} accepted`;
    }
    if (e.snapshotId !== undefined && (typeof e.snapshotId !== 'string' || !SNAPSHOT_ID_PATTERN.test(e.snapshotId))) return `snapshotId ${JSON.stringify(e.snapshotId)} accepted`;
    if (e.action === 'restore' && e.confirm !== e.snapshotId) return 'restore accepted without the snapshot id confirmed';
    if (e.action === 'rollback' && e.confirm !== e.targetVersion) return 'rollback accepted without the target confirmed';
    if (e.direction !== undefined && e.direction !== 'up' && e.direction !== 'down') return `direction ${JSON.stringify(e.direction)} accepted`;
    if (e.action === 'plan' && e.direction === 'down' && e.targetVersion === undefined) return 'a rollback plan accepted without its target';
    if (e.targetDatabase !== undefined && (typeof e.targetDatabase !== 'string' || e.targetDatabase.includes('\0') || e.targetDatabase.length > 63)) {
      return `targetDatabase ${JSON.stringify(e.targetDatabase)} accepted`;
    }
  }
  if (event.kind === 'custom-resource') {
    for (const field of ['TargetVersion', 'BaselineVersion'] as const) {
      const v = event.event.ResourceProperties[field];
      if (v !== undefined && (!VERSION.test(v) || v.length > 64)) return `${field} ${JSON.stringify(v)} accepted`;
    }
    if (!['Create', 'Update', 'Delete'].includes(event.event.RequestType)) return `RequestType ${event.event.RequestType} accepted`;
  }
  return undefined;
}

async function databaseFacts(): Promise<{ canary: number; tables: string[]; history: string[] }> {
  const canary = (await db.sql<{ n: number }>('SELECT count(*)::int AS n FROM canary')).rows[0]!.n;
  const tables = (await db.sql<{ t: string }>(`SELECT relname AS t FROM pg_class WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace ORDER BY 1`)).rows.map((r) => r.t);
  const exists = (await db.sql<{ e: boolean }>(`SELECT to_regclass('rds_migrate.schema_history') IS NOT NULL AS e`)).rows[0]!.e;
  const history = exists ? (await db.sql<{ v: string }>('SELECT version || CASE WHEN success THEN \'\' ELSE \' (failed)\' END AS v FROM rds_migrate.schema_history ORDER BY installed_rank')).rows.map((r) => r.v) : [];
  return { canary, tables, history };
}

describe('hostile events', () => {
  it('parseEvent accepts only valid events and refuses the rest naming each bad field', () => {
    let fuzzed = 0;
    let crashes = 0;
    const problems: string[] = [];
    fc.assert(
      fc.property(anyEvent, (event) => {
        fuzzed++;
        let parsed: ReturnType<typeof parseEvent>;
        try {
          parsed = parseEvent(event);
        } catch (error) {
          const problem = refusalProblem(error);
          if (problem) {
            if (crashReason(error)) crashes++;
            problems.push(`${JSON.stringify(event)?.slice(0, 200)}: ${problem}`);
          }
          return problem === undefined;
        }
        const problem = acceptedProblem(parsed);
        if (problem) problems.push(`${JSON.stringify(event)?.slice(0, 200)}: ${problem}`);
        return problem === undefined;
      }),
      { numRuns: 4000 },
    );
    recordFigures(AREA, { inputsFuzzed: fuzzed, crashes });
    expect(problems).toEqual([]);
  });

  it('refuses events of extreme size and depth with a clear error', () => {
    const huge = '1'.repeat(5 * 1024 * 1024);
    const events: unknown[] = [
      { action: 'migrate', targetVersion: huge },
      { action: 'migrate', targetVersion: deeplyNested(10_000) },
      { RequestType: 'Update', ResourceProperties: { MigrationsChecksum: 'x', TargetVersion: deeplyNested(10_000) } },
      deeplyNested(10_000),
      { action: 'status', ...Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [`k${i}`, i])) },
      { 'detail-type': 'Scheduled Event', source: 'aws.events', resources: deeplyNested(10_000) },
    ];
    let crashes = 0;
    const outcomes = events.map((event) => {
      try {
        parseEvent(event);
        return 'accepted';
      } catch (error) {
        if (crashReason(error)) crashes++;
        return refusalProblem(error) ?? `refused (${(error as Error).message.length} characters)`;
      }
    });
    recordFigures(AREA, { inputsFuzzed: events.length, crashes });
    expect(outcomes.every((o) => o.startsWith('refused'))).toBe(true);
    // An error message never echoes a 5 MB value.
    expect(outcomes.every((o) => !o.startsWith('refused') || Number(/\((\d+) characters\)/.exec(o)![1]) < 10_000)).toBe(true);
  });

  it('the handler answers every event with a report or a clear error; a refused event changes nothing; no event alters SQL', async () => {
    const before = await databaseFacts();
    let fuzzed = 0;
    let crashes = 0;
    const problems: string[] = [];
    const handler = handlerWith(baseEnv());
    const tally = { refused: 0, reports: 0, errors: 0 };
    await fc.assert(
      fc.asyncProperty(fc.oneof(anyEvent, plausibleEvent), async (event) => {
        fuzzed++;
        let refused = false;
        try {
          parseEvent(event);
        } catch {
          refused = true;
        }
        const factsBefore = refused ? await databaseFacts() : undefined;
        const outcome = await settle(handler(event));
        if (refused) tally.refused++;
        else if (outcome.ok) tally.reports++;
        else tally.errors++;
        if (!outcome.ok) {
          const crash = crashReason(outcome.error);
          if (crash) {
            crashes++;
            problems.push(`${JSON.stringify(event)?.slice(0, 200)}: crashed: ${crash}`);
          }
          if (refused && !(outcome.error instanceof InvalidEventError)) problems.push(`${JSON.stringify(event)?.slice(0, 200)}: refused by parseEvent but failed otherwise in the handler`);
        } else if (refused) {
          problems.push(`${JSON.stringify(event)?.slice(0, 200)}: the handler ran an event parseEvent refuses`);
        }
        if (factsBefore) {
          const factsAfter = await databaseFacts();
          if (JSON.stringify(factsAfter) !== JSON.stringify(factsBefore)) problems.push(`${JSON.stringify(event)?.slice(0, 200)}: a refused event changed the database`);
        }
        return true;
      }),
      // Half are valid events (status, verify, snapshot without a bucket, migrate to targets in and
      // outside the bundle, CloudFormation requests); the first valid migrate runs the migrations.
      { numRuns: 150 },
    );
    const after = await databaseFacts();
    console.info(`handler: ${tally.refused} events refused, ${tally.reports} answered with a report, ${tally.errors} with a clear error`);
    recordFigures(AREA, { inputsFuzzed: fuzzed, crashes });
    expect(problems).toEqual([]);
    expect(after.canary).toBe(CANARY_ROWS);
    // Only the shop migrations' tables may have been added; none removed.
    expect(after.tables.filter((t) => !before.tables.includes(t))).toEqual(after.tables.includes('account_events') ? ['account_events'] : []);
    expect(before.tables.every((t) => after.tables.includes(t))).toBe(true);
    expect(after.history.every((v) => (SHOP_VERSIONS as readonly string[]).includes(v))).toBe(true);
    // After all that, the database still migrates cleanly to the bundle's last version.
    const final = await settle(handler({ action: 'migrate' }));
    expect(final.ok ? 'migrated' : (final.error as Error).message).toBe('migrated');
    expect((await databaseFacts()).history).toEqual([...SHOP_VERSIONS]);
  }, 240_000);

  it('refuses a hand-picked injection in every version field, naming it, and changes nothing', async () => {
    const handler = handlerWith(baseEnv());
    const before = await databaseFacts();
    const events = INJECTION_STRINGS.filter((s) => !VERSION.test(s) || s.length > 64).flatMap((s) => [
      { action: 'migrate', targetVersion: s },
      { action: 'plan', targetVersion: s },
      { action: 'rollback', targetVersion: s, confirm: s },
      { action: 'baseline', version: s },
      { action: 'restore', snapshotId: s, confirm: s },
      { RequestType: 'Update', PhysicalResourceId: 'rds-migrate:x', ResourceProperties: { MigrationsChecksum: 'abc', TargetVersion: s } },
    ]);
    let crashes = 0;
    for (const event of events) {
      const outcome = await settle(handler(event));
      expect(outcome.ok).toBe(false);
      if (!outcome.ok && crashReason(outcome.error)) crashes++;
      expect((outcome as { error: Error }).error).toBeInstanceOf(InvalidEventError);
      expect((outcome as { error: Error }).error.message).toMatch(/(targetVersion|version|ResourceProperties\.TargetVersion): a version (is|has at most 64 characters)|snapshotId: a snapshot id is/);
    }
    recordFigures(AREA, { inputsFuzzed: events.length, crashes });
    expect(await databaseFacts()).toEqual(before);
  });
});

describe('hostile configuration', () => {
  const IDENTIFIER = /^[a-z_][a-z0-9_$]{0,62}$/;

  it('accepts only plain lower-case identifiers as schema names', () => {
    let fuzzed = 0;
    let crashes = 0;
    fc.assert(
      fc.property(fc.array(hostileString, { minLength: 1, maxLength: 3 }), (schemas) => {
        fuzzed++;
        const value = schemas.join(',');
        try {
          const config = loadFunctionConfig({ ...baseEnv(), RDS_MIGRATE_SCHEMAS: value });
          return config.schemas.every((s) => IDENTIFIER.test(s));
        } catch (error) {
          if (crashReason(error)) crashes++;
          return (error as Error).name === 'ConfigError' && /RDS_MIGRATE_SCHEMAS/.test((error as Error).message);
        }
      }),
      { numRuns: 2000 },
    );
    recordFigures(AREA, { inputsFuzzed: fuzzed, crashes });
  });

  it('refuses a snapshot prefix that could leave its place in the bucket before anything runs', () => {
    let fuzzed = 0;
    let crashes = 0;
    const problems: string[] = [];
    const prefixes = fc.oneof(hostileString, hostileString.map((s) => `${s}/`), fc.constantFrom('../', 'a/../', './', '/abs/', 'a//b/', 'ok/', 'a b/', 'x\u0000/'));
    fc.assert(
      fc.property(prefixes, (prefix) => {
        fuzzed++;
        let accepted: string | undefined;
        try {
          accepted = loadFunctionConfig({ ...baseEnv(), RDS_MIGRATE_SNAPSHOT_BUCKET: 'b', RDS_MIGRATE_SNAPSHOT_PREFIX: prefix }).snapshot?.prefix;
        } catch (error) {
          if (crashReason(error)) crashes++;
          if (!/RDS_MIGRATE_SNAPSHOT_PREFIX/.test((error as Error).message)) problems.push(`${JSON.stringify(prefix)}: ${(error as Error).message}`);
          return true;
        }
        // Accepted by the configuration: every key built under it must stay under it.
        try {
          assertKeyPrefix(accepted!);
        } catch (error) {
          problems.push(`${JSON.stringify(prefix)} passes the configuration but every snapshot would fail later: ${(error as Error).message}`);
          return true;
        }
        const key = tableObjectKey({ prefix: accepted!, database: 'app' }, '20250314T091500Z-3fa9c01b', { schema: 'public', table: 't' });
        if (!key.startsWith(accepted!) || key.split('/').some((s) => s === '..' || s === '.')) problems.push(`${JSON.stringify(prefix)}: key ${key}`);
        return true;
      }),
      { numRuns: 2000 },
    );
    recordFigures(AREA, { inputsFuzzed: fuzzed, crashes });
    expect(problems).toEqual([]);
  });
});
