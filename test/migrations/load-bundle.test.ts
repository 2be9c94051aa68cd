import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import type { MigrationBundle } from '../../lambda/migrations/bundle';
import { compileMigrations } from '../../lambda/migrations/compile';
import { InvalidBundleError, loadBundle } from '../../lambda/migrations/load-bundle';
import { bundleToJson } from '../../lambda/migrations/write-bundle';

const VALID = fileURLToPath(new URL('../fixtures/migrations/valid', import.meta.url));
const FLYWAY = fileURLToPath(new URL('../fixtures/migrations/formats/flyway', import.meta.url));

let bundle: MigrationBundle;
/** A fresh, mutable copy of the valid bundle as the function would read it from disk. */
let json: () => any;

beforeAll(async () => {
  bundle = await compileMigrations(path.resolve(VALID));
  const text = bundleToJson(bundle);
  json = () => JSON.parse(text);
});

const CHECKSUM_MISMATCH =
  "checksum: does not match the migrations' checksums (over versions, names, script checksums, statements, directives, data modules): " +
  'the bundle was changed after it was compiled; compile the migrations again';

function issues(input: unknown): string[] {
  try {
    loadBundle(input);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidBundleError);
    expect((error as InvalidBundleError).message).toMatch(/^migrations\.json is not a valid migration bundle: /);
    return (error as InvalidBundleError).issues;
  }
  throw new Error('expected loadBundle to throw');
}

describe('loadBundle', () => {
  it('returns the bundle the compiler wrote', () => {
    expect(loadBundle(json())).toEqual(bundle);
  });

  it('drops unknown fields', () => {
    const input = json();
    input.generatedBy = 'a newer compiler';
    input.migrations[0].up.statements[0].note = 'x';
    expect(loadBundle(input)).toEqual(bundle);
  });

  it('refuses another format version, saying what to do', () => {
    const input = json();
    input.formatVersion = 2;
    expect(issues(input)).toEqual([
      'formatVersion is 2, but this version of rds-migrate reads formatVersion 1: compile the migrations again with the same rds-migrate version as the function',
    ]);
    delete input.formatVersion;
    expect(issues(input)).toEqual([expect.stringMatching(/^formatVersion: /)]);
  });

  it('names each malformed field by its path', () => {
    const input = json();
    input.migrations[1].up.checksum = 'not-a-checksum';
    input.migrations[2].up.statements[0].line = 0;
    delete input.migrations[3].name;
    input.migrations[4].version = 'v10';
    expect(issues(input)).toEqual([
      'migrations[1].up.checksum: expected a sha256 checksum (64 lower-case hex digits)',
      expect.stringMatching(/^migrations\[2\]\.up\.statements\[0\]\.line: /),
      expect.stringMatching(/^migrations\[3\]\.name: /),
      'migrations[4].version: expected digit groups separated by dots, e.g. 0022',
    ]);
    expect(issues(null)).toEqual([expect.stringMatching(/^\(bundle\): /)]);
    expect(issues([])).toEqual([expect.stringMatching(/^\(bundle\): /)]);
  });

  it('refuses versions out of order or repeated', () => {
    const input = json();
    [input.migrations[0], input.migrations[1]] = [input.migrations[1], input.migrations[0]];
    expect(issues(input)).toEqual(['migrations[1].version: "1" does not come after "1.2" (versions must be strictly ascending)']);
    const repeated = json();
    repeated.migrations[1].version = '01';
    expect(issues(repeated)).toContain('migrations[1].version: "01" does not come after "1" (versions must be strictly ascending)');
  });

  it('refuses a migration checksum or transactional flag that contradicts its up script', () => {
    const input = json();
    input.migrations[0].checksum = input.migrations[1].checksum;
    input.migrations[4].transactional = true;
    expect(issues(input)).toEqual([
      "migrations[0].checksum: differs from its up script's checksum",
      'migrations[4].transactional: contradicts the nonTransactional flags of its up statements and its transaction directive',
    ]);
  });

  it('refuses a bundle whose checksum does not match its scripts (edited after compiling)', () => {
    const input = json();
    input.migrations[0].down.checksum = 'f'.repeat(64);
    expect(issues(input)).toEqual([CHECKSUM_MISMATCH]);
  });

  it('refuses a statement edited by hand with every checksum left as compiled', () => {
    const sqlEdit = json();
    sqlEdit.migrations[0].up.statements[0].sql = 'DROP TABLE accounts';
    expect(issues(sqlEdit)).toEqual([CHECKSUM_MISMATCH]);
    const lineEdit = json();
    lineEdit.migrations[0].up.statements[0].line += 1;
    expect(issues(lineEdit)).toEqual([CHECKSUM_MISMATCH]);
    const removed = json();
    removed.migrations[0].down.statements.pop();
    expect(issues(removed)).toEqual([CHECKSUM_MISMATCH]);
    const verifyEdit = json();
    verifyEdit.migrations[0].verify.statements[0].sql = 'SELECT true';
    expect(issues(verifyEdit)).toEqual([CHECKSUM_MISMATCH]);
  });

  it('names the source it was given', () => {
    expect(() => loadBundle({}, '/var/task/migrations.json')).toThrow(/^\/var\/task\/migrations\.json is not a valid migration bundle/);
  });
});

describe('loadBundle with directives and repeatable migrations', () => {
  let flyway: MigrationBundle;
  let flywayJson: () => any;
  beforeAll(async () => {
    flyway = await compileMigrations(FLYWAY);
    const text = bundleToJson(flyway);
    flywayJson = () => JSON.parse(text);
  });

  it('returns them as the compiler wrote them', () => {
    const loaded = loadBundle(flywayJson());
    expect(loaded).toEqual(flyway);
    expect(loaded.migrations.map((m) => m.directives)).toEqual([
      undefined,
      { lockTimeoutMs: 2000, statementTimeoutMs: 60_000, retries: 2 },
      { transaction: false },
    ]);
    expect(loaded.repeatables?.map((r) => r.name)).toEqual(['author_book_counts', 'book_slugs']);
  });

  it('refuses directives out of bounds, naming each', () => {
    const input = flywayJson();
    input.migrations[1].directives = { lockTimeoutMs: -1, statementTimeoutMs: 2_147_483_648, retries: 1.5, transaction: 'off' };
    expect(issues(input)).toEqual([
      expect.stringMatching(/^migrations\[1\]\.directives\.transaction: /),
      expect.stringMatching(/^migrations\[1\]\.directives\.lockTimeoutMs: /),
      expect.stringMatching(/^migrations\[1\]\.directives\.statementTimeoutMs: /),
      expect.stringMatching(/^migrations\[1\]\.directives\.retries: /),
    ]);
  });

  it('refuses a transaction mode that contradicts the transaction directive or the statements', () => {
    const input = flywayJson();
    input.migrations[0].directives = { transaction: false }; // still transactional: true
    input.migrations[2].directives = { transaction: true }; // a CREATE INDEX CONCURRENTLY
    expect(issues(input)).toEqual([
      'migrations[0].transactional: contradicts the nonTransactional flags of its up statements and its transaction directive',
      'migrations[2].directives.transaction: true, but an up statement cannot run in a transaction',
    ]);
  });

  it('refuses repeatables out of order, or whose checksum is not their script\'s', () => {
    const input = flywayJson();
    input.repeatables.reverse();
    input.repeatables[0].checksum = 'a'.repeat(64);
    expect(issues(input)).toEqual([
      "repeatables[0].checksum: differs from its up script's checksum",
      'repeatables[1].name: "author_book_counts" does not come after "book_slugs" (repeatables are strictly ordered by description)',
    ]);
  });

  it('refuses a bundle whose directives or repeatables were changed after compiling', () => {
    const directives = flywayJson();
    directives.migrations[1].directives.retries = 3;
    const repeatable = flywayJson();
    repeatable.repeatables.pop();
    const repeatableStatement = flywayJson();
    repeatableStatement.repeatables[0].up.statements[0].sql += ' -- edited';
    for (const input of [directives, repeatable, repeatableStatement]) {
      expect(issues(input)).toEqual([CHECKSUM_MISMATCH]);
    }
  });
});

describe('loadBundle names', () => {
  it('the source it was given', () => {
    expect(() => loadBundle({}, '/var/task/migrations.json')).toThrow(/^\/var\/task\/migrations\.json is not a valid migration bundle/);
  });
});
