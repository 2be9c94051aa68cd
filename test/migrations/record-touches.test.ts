/**
 * The compiler records on each versioned migration what its up script touches (`record-touches.ts`),
 * the bundle file keeps it and `loadBundle` checks it: what the function's `affected` snapshot scope reads.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import type { MigrationBundle } from '../../lambda/migrations/bundle';
import { bundleChecksum } from '../../lambda/migrations/checksum';
import { compileMigrations } from '../../lambda/migrations/compile';
import { InvalidBundleError, loadBundle } from '../../lambda/migrations/load-bundle';
import { bundleToJson } from '../../lambda/migrations/write-bundle';

const FIXTURES = fileURLToPath(new URL('../fixtures/migrations', import.meta.url));

let valid: MigrationBundle;
let flyway: MigrationBundle;
beforeAll(async () => {
  [valid, flyway] = await Promise.all([
    compileMigrations(path.join(FIXTURES, 'valid')),
    compileMigrations(path.join(FIXTURES, 'formats/flyway')),
  ]);
});

const issuesOf = (json: unknown): string[] => {
  try {
    loadBundle(json);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidBundleError);
    return (error as InvalidBundleError).issues;
  }
  throw new Error('expected loadBundle to refuse the bundle');
};

describe('compileMigrations records touches', () => {
  it('on every versioned migration: the relations its up statements change, or why they cannot be known', () => {
    expect(Object.fromEntries(valid.migrations.map((m) => [m.version, m.touches]))).toEqual({
      '1': { relations: [] }, // CREATE TABLE, CREATE FUNCTION: no existing row changes
      '1.2': { relations: [{ name: 'accounts' }] },
      '1.10': { unknown: '1.10_add_audit_log/up.sql:2: DO statements are not analysed' },
      '2': { relations: [{ name: 'accounts' }] },
      '10': { relations: [{ name: 'accounts' }] },
    });
  });

  it('a TypeScript data migration: unknown, its effect cannot be read from SQL', async () => {
    const bundle = await compileMigrations(path.join(FIXTURES, '../data-migrations/app'));
    const data = bundle.migrations.find((m) => m.data !== undefined)!;
    expect(data.touches).toEqual({ unknown: '0002_backfill_amount_cents/up.ts: a data migration (a module) may change any table' });
    expect(bundle.migrations.filter((m) => m.data === undefined).every((m) => m.touches && 'relations' in m.touches)).toBe(true);
  });

  it('in every layout, never on repeatable migrations', () => {
    expect(flyway.migrations.every((m) => m.touches !== undefined)).toBe(true);
    expect(flyway.repeatables?.length).toBeGreaterThan(0);
    for (const repeatable of flyway.repeatables ?? []) expect(repeatable).not.toHaveProperty('touches');
  });

  it('outside the bundle checksum: it is derived from the up scripts, which the checksum covers', () => {
    expect(valid.checksum).toBe(bundleChecksum(valid.migrations.map(({ touches: _, ...m }) => m), valid.repeatables ?? []));
    const json = JSON.parse(bundleToJson(valid));
    for (const m of json.migrations) delete m.touches;
    const without = loadBundle(json);
    expect(without.checksum).toBe(valid.checksum);
    expect(without.migrations.map((m) => m.touches)).toEqual([undefined, undefined, undefined, undefined, undefined]);
  });
});

describe('the bundle file', () => {
  it('writes the touches and loadBundle reads them back as compiled', () => {
    const json = JSON.parse(bundleToJson(valid));
    expect(json.migrations[1].touches).toEqual({ relations: [{ name: 'accounts' }] });
    expect(loadBundle(json)).toEqual(valid);
    expect(loadBundle(JSON.parse(bundleToJson(flyway)))).toEqual(flyway);
  });

  it('loadBundle refuses malformed touches, naming the field', () => {
    const json = () => JSON.parse(bundleToJson(valid));
    const badName = json();
    badName.migrations[1].touches = { relations: [{ name: 1 }] };
    expect(issuesOf(badName)).toEqual([
      'migrations[1].touches: expected {"relations": [{"schema"?: <non-empty text>, "name": <non-empty text>}, ...]} or {"unknown": <the reason, non-empty text>}',
    ]);
    const neither = json();
    neither.migrations[2].touches = { tables: ['accounts'] };
    expect(issuesOf(neither).join('; ')).toMatch(/^migrations\[2\]\.touches/);
    const emptyReason = json();
    emptyReason.migrations[0].touches = { unknown: '' };
    expect(issuesOf(emptyReason).join('; ')).toMatch(/^migrations\[0\]\.touches/);
  });
});
