/**
 * The restore's load settings on real PostgreSQL: within the transaction, a statement sent with its
 * parameters bound (the extended protocol's unnamed statement, as the Data API and `pg` send every
 * statement) is planned generically, the batch text left a parameter rather than folded into the plan
 * (seen in the plan `auto_explain` reports); the lock timeout and the export's settings are in force;
 * after the transaction, the session's own settings are back.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Executor } from '../../lambda/driver/driver';
import { toPositional } from '../../lambda/driver/named-parameters';
import { applyLoadSettings } from '../../lambda/snapshot/restore/load-settings';
import { createTestDatabase, type TestDatabase } from '../support/database';

let db: TestDatabase;
let client: pg.Client;
const notices: string[] = [];
beforeAll(async () => {
  db = await createTestDatabase('load_settings');
  await db.sql(`CREATE TABLE items (id int PRIMARY KEY)`);
  client = new pg.Client({ connectionString: db.url });
  await client.connect();
  client.on('notice', (notice) => notices.push(notice.message ?? ''));
});
afterAll(async () => {
  await client?.end();
  await db?.drop();
});

/** An executor on the one connection whose notices are kept: named parameters bound as `$n`. */
const executor = {
  async execute(sql: string, params: Record<string, unknown> = {}) {
    const { text, names } = toPositional(sql);
    const result = await client.query(text, names.map((name) => params[name]));
    return { rows: result.rows, rowsAffected: result.rowCount ?? 0 };
  },
} as unknown as Executor;

/** Runs a load-like statement with `rows` bound and returns the `Function Call` line of the plan `auto_explain` reported for it. */
async function loadPlan(rows: string): Promise<string> {
  notices.length = 0;
  await executor.execute(`INSERT INTO items (id) SELECT l::int FROM unnest(string_to_array(:rows::text, ',')) AS l`, { rows });
  const plans = notices.filter((n) => n.includes('Query Text: INSERT INTO items'));
  expect(plans).toHaveLength(1);
  return plans[0]!.split('\n').find((line) => line.trim().startsWith('Function Call:'))?.trim() ?? '';
}

describe('applyLoadSettings', () => {
  it('plans bound statements generically within the transaction, the batch text a parameter, not a constant of the plan', async () => {
    await client.query('BEGIN');
    try {
      await client.query(`LOAD 'auto_explain'`);
      await client.query(`SET LOCAL auto_explain.log_min_duration = 0; SET LOCAL auto_explain.log_level = notice; SET LOCAL auto_explain.log_verbose = on`);
      // PostgreSQL's default: a custom plan for the values bound, the text already cut into an array constant.
      expect(await loadPlan('1,2,3')).toBe(`Function Call: unnest('{1,2,3}'::text[])`);

      const server = await applyLoadSettings(executor, 1234);
      expect(server.serverVersion).toBe(Number((await client.query(`SELECT current_setting('server_version_num') AS v`)).rows[0].v));
      expect(await loadPlan('4,5,6')).toBe(`Function Call: unnest(string_to_array($1, ','::text))`);
      const { rows } = await executor.execute(
        `SELECT current_setting('lock_timeout') AS lock_timeout, current_setting('TimeZone') AS time_zone, current_setting('plan_cache_mode') AS plan_cache_mode`,
      );
      expect(rows[0]).toEqual({ lock_timeout: '1234ms', time_zone: 'UTC', plan_cache_mode: 'force_generic_plan' });
      expect((await client.query('SELECT array_agg(id ORDER BY id) AS ids FROM items')).rows[0].ids).toEqual([1, 2, 3, 4, 5, 6]);
    } finally {
      await client.query('ROLLBACK');
    }
    const { rows } = await client.query(`SELECT current_setting('plan_cache_mode') AS plan_cache_mode, current_setting('lock_timeout') AS lock_timeout`);
    expect(rows[0]).toEqual({ plan_cache_mode: 'auto', lock_timeout: '0' });
  });
});
