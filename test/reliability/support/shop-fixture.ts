/**
 * The reliability suite's test migration set, `test/reliability/fixtures/shop`: an application's
 * existing tables (seeded here) and four migrations that change them:
 *
 * - 0001 (one transaction, which the engine folds into one call): a column with a default, a new
 *   table, a row per account derived from the data;
 * - 0002 (no transaction): two indexes built CONCURRENTLY, IF NOT EXISTS;
 * - 0003 (one transaction with a `statement_timeout`, so run as a Data API transaction, a call per
 *   statement): a numeric column backfilled from another, then NOT NULL and a CHECK;
 * - 0004 (`transaction=off`): three statements, none safe to run twice (an UPDATE, an INSERT, an
 *   increment), so running one again after a crash shows in the data.
 *
 * {@link probeEffects} reads which of those effects are in the database, and
 * {@link historyContradictions} checks them against the schema history: what a cut-off run leaves
 * must be exactly what the history says (a transactional migration all or nothing, a
 * non-transactional one applied up to its recorded progress).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ScratchDatabase } from './scratch-database';

export const SHOP_MIGRATIONS = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'shop');

export const SHOP_VERSIONS = ['0001', '0002', '0003', '0004'] as const;

export const SHOP_ACCOUNTS = 600;
export const SHOP_ORDERS = 900;
/** Accounts 0004 marks dormant (id % 10 = 0) and orders of theirs it raises by one cent. */
const DORMANT_ACCOUNTS = SHOP_ACCOUNTS / 10;
const DORMANT_ORDERS = SHOP_ORDERS / 10;

/** The application's tables and rows before rds-migrate adopts the database. */
export const SHOP_SEED_SQL = `
CREATE TABLE accounts (id bigint PRIMARY KEY, email text NOT NULL, balance_cents bigint NOT NULL, note text);
INSERT INTO accounts
SELECT g, 'user' || g || '@example.test', (g * 37) % 100000, CASE WHEN g % 7 = 0 THEN NULL ELSE md5(g::text) END
FROM generate_series(1, ${SHOP_ACCOUNTS}) AS g;
CREATE TABLE orders (id bigint PRIMARY KEY, account_id bigint NOT NULL REFERENCES accounts (id), total_cents bigint NOT NULL, placed_at timestamptz NOT NULL);
INSERT INTO orders
SELECT g, 1 + (g % ${SHOP_ACCOUNTS}), (g * 13) % 50000, timestamptz '2024-01-01 00:00:00+00' + g * interval '1 minute'
FROM generate_series(1, ${SHOP_ORDERS}) AS g;
`;

/** The sum of order totals of the seed, before 0004 raises some of them. */
async function seededOrderTotal(db: ScratchDatabase): Promise<number> {
  const { rows } = await db.sql<{ total: string }>(`SELECT sum((g * 13) % 50000)::text AS total FROM generate_series(1, ${SHOP_ORDERS}) AS g`);
  return Number(rows[0]!.total);
}

/** Which effects of each migration are in the database. */
export interface ShopEffects {
  /** 0001: none, all, or some (a torn transaction). */
  readonly m0001: 'none' | 'all' | 'some';
  /** 0002: each index: absent, valid or INVALID. */
  readonly m0002: ReadonlyArray<'absent' | 'valid' | 'invalid'>;
  readonly m0003: 'none' | 'all' | 'some';
  /**
   * 0004: for each statement, how many times its effect is there: 0, 1, or another number (a partial or
   * repeated run; -1 when the effect is neither 0 nor a whole multiple).
   */
  readonly m0004: readonly number[];
}

const one = <T>(rows: T[]): T => rows[0]!;

/** Reads which effects of the shop migrations are in the database (works at any stage). */
export async function probeEffects(db: ScratchDatabase): Promise<ShopEffects> {
  const shape = one(
    (
      await db.sql<{ status: boolean; events: boolean; balance: boolean; balance_not_null: boolean; balance_check: boolean }>(`
SELECT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = 'public' AND table_name = 'accounts' AND column_name = 'status') AS status,
  to_regclass('public.account_events') IS NOT NULL AS events,
  EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = 'public' AND table_name = 'accounts' AND column_name = 'balance') AS balance,
  EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = 'public' AND table_name = 'accounts' AND column_name = 'balance' AND is_nullable = 'NO') AS balance_not_null,
  EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'accounts_balance_nonnegative') AS balance_check`)
    ).rows,
  );
  const adopted = shape.events ? Number(one((await db.sql(`SELECT count(*)::int AS n FROM account_events WHERE kind = 'adopted'`)).rows).n) : 0;
  const m0001 =
    shape.status && shape.events && adopted === SHOP_ACCOUNTS ? 'all' : !shape.status && !shape.events ? 'none' : 'some';
  const balanceFilled = shape.balance
    ? Number(one((await db.sql(`SELECT count(*)::int AS n FROM accounts WHERE balance IS NOT NULL AND balance * 100 = balance_cents`)).rows).n)
    : 0;
  const m0003 =
    shape.balance && shape.balance_not_null && shape.balance_check && balanceFilled === SHOP_ACCOUNTS
      ? 'all'
      : !shape.balance && !shape.balance_check
        ? 'none'
        : 'some';
  const { rows: indexes } = await db.sql<{ name: string; valid: boolean }>(
    `SELECT c.relname AS name, i.indisvalid AS valid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
     WHERE c.relname IN ('accounts_email_key', 'orders_account_idx')`,
  );
  const index = (name: string) => {
    const found = indexes.find((r) => r.name === name);
    return found ? (found.valid ? 'valid' : 'invalid') : 'absent';
  };
  const times = (count: number, unit: number) => (count % unit === 0 ? count / unit : -1);
  const dormant = shape.status ? Number(one((await db.sql(`SELECT count(*)::int AS n FROM accounts WHERE status = 'dormant'`)).rows).n) : 0;
  const dormantEvents = shape.events ? Number(one((await db.sql(`SELECT count(*)::int AS n FROM account_events WHERE kind = 'dormant'`)).rows).n) : 0;
  const raised = Number(one((await db.sql<{ total: string }>(`SELECT sum(total_cents)::text AS total FROM orders`)).rows).total) - (await seededOrderTotal(db));
  return {
    m0001,
    m0002: [index('accounts_email_key'), index('orders_account_idx')],
    m0003,
    // An UPDATE setting a value is the same after a second run: it counts once at most.
    m0004: [dormant === DORMANT_ACCOUNTS ? 1 : dormant === 0 ? 0 : -1, times(dormantEvents, DORMANT_ACCOUNTS), times(raised, DORMANT_ORDERS)],
  };
}

/** The last schema history row of each version (none when the history does not exist yet). */
export async function lastHistoryRows(db: ScratchDatabase): Promise<Map<string, { success: boolean; statementsApplied: number }>> {
  const exists = one((await db.sql(`SELECT to_regclass('rds_migrate.schema_history') IS NOT NULL AS e`)).rows).e as boolean;
  const rows = new Map<string, { success: boolean; statementsApplied: number }>();
  if (!exists) return rows;
  const { rows: history } = await db.sql<{ version: string; success: boolean; statements_applied: number }>(
    `SELECT version, success, statements_applied FROM rds_migrate.schema_history WHERE type <> 'repeatable' ORDER BY installed_rank`,
  );
  for (const row of history) rows.set(row.version, { success: row.success, statementsApplied: row.statements_applied });
  return rows;
}

/**
 * Compares the effects in the database with the schema history and returns each contradiction as a
 * sentence (none: the history tells the truth). The rules:
 * - a transactional migration (0001, 0003) is all there with a success row, or not there without one;
 * - 0002 with a success row has both indexes valid; with a failed row of k statements, the first k
 *   are valid, the next may be there (built, its progress not yet recorded), later ones are absent;
 *   without a row, none is there;
 * - 0004: each statement ran in one transaction with its progress update, so exactly the first k
 *   effects are there, once each (k = statements recorded; all 3 with a success row);
 * - nothing of a migration is there while an earlier one is not applied.
 */
export function historyContradictions(effects: ShopEffects, history: Map<string, { success: boolean; statementsApplied: number }>): string[] {
  const problems: string[] = [];
  const success = (v: string) => history.get(v)?.success === true;
  const recorded = (v: string, total: number) => (success(v) ? total : (history.get(v)?.statementsApplied ?? 0));
  for (const [v, state] of [['0001', effects.m0001], ['0003', effects.m0003]] as const) {
    if (state === 'some') problems.push(`${v} is partly applied although it runs in one transaction`);
    if (state === 'all' && !success(v)) problems.push(`${v} is applied but the schema history has no success row for it`);
    if (state === 'none' && success(v)) problems.push(`the schema history says ${v} succeeded but none of it is there`);
  }
  const k2 = recorded('0002', 2);
  effects.m0002.forEach((index, i) => {
    if (i < k2 && index !== 'valid') problems.push(`0002 statement ${i + 1} is recorded as done but its index is ${index}`);
    if (i > k2 && index !== 'absent') problems.push(`0002 statement ${i + 1} ran although statement ${k2 + 1} is not recorded`);
    if (!history.has('0002') && index !== 'absent') problems.push(`0002 statement ${i + 1} ran without a schema history row`);
  });
  const k4 = recorded('0004', 3);
  effects.m0004.forEach((times, i) => {
    const expected = i < k4 ? 1 : 0;
    if (times !== expected) problems.push(`0004 statement ${i + 1}: its effect is there ${times === -1 ? 'partly' : `${times} time(s)`}, the schema history says ${expected}`);
  });
  const anyOf = {
    '0001': effects.m0001 !== 'none',
    '0002': effects.m0002.some((s) => s !== 'absent'),
    '0003': effects.m0003 !== 'none',
    '0004': effects.m0004.some((t) => t !== 0),
  };
  SHOP_VERSIONS.forEach((v, i) => {
    const earlier = SHOP_VERSIONS.slice(0, i).find((e) => !success(e));
    if (anyOf[v] && earlier) problems.push(`${v} has effects although ${earlier} is not applied`);
  });
  return problems;
}
