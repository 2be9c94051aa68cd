/**
 * Secrets and row data never appear in the function's logs or reports.
 *
 * The function runs with its logger at DEBUG and its EMF metrics on, everything it writes to stdout
 * and stderr captured, in an environment holding secret-looking values (a database URL with a
 * password, a session token), against a database whose rows hold secret-looking values (card
 * numbers, API tokens, e-mail addresses). It migrates successfully (snapshot included), and then
 * fails in the ways that make PostgreSQL quote data: a type conversion of a column of secrets
 * (`invalid input syntax for type integer: "<value>"`), a NOT NULL violation ("Failing row contains
 * (...)"), a unique index over duplicated secrets ("Key (...)=(...) is duplicated"), a verify script
 * failing on a secret, and a CloudFormation deploy failing on the conversion. None of the secret
 * values may appear in the captured output, the returned reports, or the errors thrown (which the
 * Lambda runtime logs, and CloudFormation shows as the failure reason).
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { redactRowData, REDACTED } from '../../lambda/function/redact-row-data';
import { startLocalDataApi, type LocalDataApi } from '../../local/data-api/server';
import { startLocalS3, type LocalS3 } from '../../local/s3/local-s3';
import { compileTaskRoot, functionInstance, type TaskRoot } from './support/function-stack';
import { settle } from './support/outcome';
import { createScratchDatabase, type ScratchDatabase } from './support/scratch-database';

// Before any import creates the function's logger: everything at DEBUG, metrics printed.
vi.hoisted(() => {
  process.env.POWERTOOLS_LOG_LEVEL = 'DEBUG';
  process.env.POWERTOOLS_METRICS_DISABLED = 'false';
});

const BUCKET = 'rds-migrate-snapshots';
const DB_PASSWORD = 'Pw-7f3kQ9zX-never-log-me';
const SESSION_TOKEN = 'IQoJb3JpZ2luX2VjEXAMPLE-session-token-never-log-me';
/** Secret-looking row values: every one of them must stay out of the output. */
const ROW_SECRETS = Array.from({ length: 40 }, (_, i) => ({
  email: `alice.secret${i}@private.example`,
  card: `4111-2222-3333-${String(1000 + i)}`,
  token: `sk_live_${(i * 7919).toString(36)}Zq${i}x9SECRET`,
}));

/** Writes a one-migration native folder with `up` (and `verify`) under `root`. */
async function migrationsFolder(root: string, name: string, up: string, verify?: string): Promise<string> {
  const dir = path.join(root, name);
  await mkdir(path.join(dir, '0001_change_customers'), { recursive: true });
  await writeFile(path.join(dir, '0001_change_customers', 'up.sql'), up);
  if (verify) await writeFile(path.join(dir, '0001_change_customers', 'verify.sql'), verify);
  return dir;
}

const SCENARIOS: ReadonlyArray<{ readonly name: string; readonly up: string; readonly verify?: string; readonly event?: unknown; readonly expect: 'ok' | 'fails' | 'verification fails' }> = [
  { name: 'a successful migrate with a snapshot of the secrets', up: 'ALTER TABLE customers ADD COLUMN tier text;', verify: 'SELECT count(*) = 40 FROM customers;', expect: 'ok' },
  { name: 'a type conversion of a column of secrets (22P02 quotes the value)', up: 'ALTER TABLE customers ALTER COLUMN api_token TYPE integer USING api_token::integer;', expect: 'fails' },
  { name: 'a NOT NULL violation (the detail holds the whole row)', up: 'UPDATE customers SET email = NULL WHERE id = 7;', expect: 'fails' },
  { name: 'a unique index over duplicated secrets (the detail holds the key)', up: "UPDATE customers SET api_token = 'sk_live_dupSECRETdup' WHERE id IN (1, 2);\nCREATE UNIQUE INDEX customers_token_key ON customers (api_token);", expect: 'fails' },
  { name: 'a verify script failing on a secret', up: 'ALTER TABLE customers ADD COLUMN tier text;', verify: 'SELECT card_number::integer > 0 FROM customers;', expect: 'verification fails' },
  {
    name: 'a CloudFormation deploy failing on the conversion (its reason is shown in the console)',
    up: 'ALTER TABLE customers ALTER COLUMN card_number TYPE bigint USING card_number::bigint;',
    event: { RequestType: 'Update', PhysicalResourceId: 'rds-migrate:app', ResourceProperties: { MigrationsChecksum: 'abc' } },
    expect: 'fails',
  },
];

let root: string;
let s3: LocalS3;
const captured: string[] = [];
beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'rds-migrate-log-secrets-'));
  s3 = await startLocalS3();
  await s3.createBucket(BUCKET);
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream) as (chunk: unknown, ...rest: unknown[]) => boolean;
    vi.spyOn(stream, 'write').mockImplementation((chunk: unknown, ...rest: unknown[]) => {
      captured.push(Buffer.isBuffer(chunk) ? chunk.toString('utf8') : String(chunk));
      return write(chunk, ...rest);
    });
  }
});
afterAll(async () => {
  vi.restoreAllMocks();
  await s3?.close();
  await rm(root, { recursive: true, force: true });
});

/** Every secret value, with where it comes from. */
const SECRETS: ReadonlyArray<readonly [string, string]> = [
  ['database password', DB_PASSWORD],
  ['session token', SESSION_TOKEN],
  ...ROW_SECRETS.flatMap((r) => [
    ['e-mail', r.email] as const,
    ['card number', r.card] as const,
    ['API token', r.token] as const,
  ]),
  ['duplicated token', 'sk_live_dupSECRETdup'],
];

function leaks(where: string, text: string): string[] {
  return SECRETS.filter(([, value]) => text.includes(value)).map(([what, value]) => `${where} contains the ${what} ${value}`);
}

describe('secrets and row data', () => {
  for (const [index, scenario] of SCENARIOS.entries()) {
    it(`stay out of the logs, reports and errors: ${scenario.name}`, async () => {
      const db: ScratchDatabase = await createScratchDatabase(inject('pgAdminUrl'), `rel_secrets_${index}`);
      let api: LocalDataApi | undefined;
      let task: TaskRoot | undefined;
      try {
        await db.sql(`CREATE TABLE customers (id int PRIMARY KEY, email text NOT NULL, card_number text NOT NULL, api_token text NOT NULL)`);
        await db.sql(
          `INSERT INTO customers SELECT * FROM json_to_recordset($1::json) AS t(id int, email text, card_number text, api_token text)`,
          [JSON.stringify(ROW_SECRETS.map((r, i) => ({ id: i + 1, email: r.email, card_number: r.card, api_token: r.token })))],
        );
        api = await startLocalDataApi({ postgresUrl: db.url });
        task = await compileTaskRoot(await migrationsFolder(root, `m${index}`, scenario.up, scenario.verify));
        const fn = functionInstance({
          dataApi: api,
          database: db.name,
          taskRoot: task,
          s3Endpoint: s3.endpoint,
          bucket: BUCKET,
          functionName: 'secrets',
          env: { DATABASE_URL: `postgres://app:${DB_PASSWORD}@db.internal:5432/app`, AWS_SESSION_TOKEN: SESSION_TOKEN, POWERTOOLS_LOG_LEVEL: 'DEBUG' },
        });
        const from = captured.length;
        const outcome = await settle(fn.invoke(scenario.event ?? { action: 'migrate' }));
        fn.destroy();
        const output = captured.slice(from).join('');
        const problems = [...leaks('the function output', output)];
        if (outcome.ok) {
          problems.push(...leaks('the report', JSON.stringify(outcome.value)));
          const ok = (outcome.value as { ok?: boolean }).ok;
          if (scenario.expect === 'fails') problems.push('the run succeeded');
          if (scenario.expect === 'ok' && ok !== true) problems.push('the run did not succeed');
          if (scenario.expect === 'verification fails' && ok !== false) problems.push('the verification did not fail');
        } else {
          const error = outcome.error as Error;
          let text = `${error.message}\n${error.stack ?? ''}`;
          for (let cause = error.cause as Error | undefined; cause; cause = cause.cause as Error | undefined) text += `\n${cause.message ?? ''}`;
          problems.push(...leaks('the error thrown', text));
          if (scenario.expect !== 'fails') problems.push(`the run failed: ${error.message}`);
          // Still says what failed and where.
          if (!/Migration 0001 \(.*0001_change_customers\/up\.sql.*SQLSTATE 2[23]/.test(error.message)) problems.push(`the error no longer says what failed: ${error.message}`);
        }
        // The logs said something: the run is logged, with the run id, at DEBUG and above.
        const lines = output.split('\n').filter((l) => l.startsWith('{'));
        if (!lines.some((l) => l.includes('"run started"'))) problems.push('no "run started" log line was captured');
        expect(problems).toEqual([]);
      } finally {
        await api?.close();
        await task?.remove();
        await db.drop();
      }
    }, 60_000);
  }
});

describe('the redaction', () => {
  it('replaces the values PostgreSQL quotes and keeps every name that says what failed', () => {
    const cases: Array<[string, string]> = [
      ['invalid input syntax for type integer: "sk_live_1"', `invalid input syntax for type integer: ${REDACTED}`],
      ['invalid input value for enum mood: "ecstatic"', `invalid input value for enum mood: ${REDACTED}`],
      ['value "99999999999" is out of range for type integer', `value ${REDACTED} is out of range for type integer`],
      ['malformed array literal: "{1,2"', `malformed array literal: ${REDACTED}`],
      ['date/time field value out of range: "2024-13-45"', `date/time field value out of range: ${REDACTED}`],
      ['invalid value "ab" for "YYYY"', `invalid value ${REDACTED} for "YYYY"`],
      ['invalid byte sequence for encoding "UTF8": 0xc3 0x28', `invalid byte sequence for encoding "UTF8": ${REDACTED}`],
      ['Key (email)=(alice@example.com) already exists.', `Key (email)=(${REDACTED}) already exists.`],
      ['Key (api_token)=(sk_live_dup) is duplicated.', `Key (api_token)=(${REDACTED}) is duplicated.`],
      ['Key (account_id)=(42) is not present in table "accounts".', `Key (account_id)=(${REDACTED}) is not present in table "accounts".`],
      ['Failing row contains (7, null, 4111-2222-3333-1006, sk_live_x).', `Failing row contains (${REDACTED}).`],
      // Names stay.
      ['null value in column "email" of relation "customers" violates not-null constraint', 'null value in column "email" of relation "customers" violates not-null constraint'],
      ['duplicate key value violates unique constraint "customers_email_key"', 'duplicate key value violates unique constraint "customers_email_key"'],
      ['relation "public.missing" does not exist', 'relation "public.missing" does not exist'],
      ['new row for relation "orders" violates check constraint "orders_total_check"', 'new row for relation "orders" violates check constraint "orders_total_check"'],
    ];
    expect(cases.map(([input]) => redactRowData(input))).toEqual(cases.map(([, output]) => output));
  });
});
