/**
 * Row values PostgreSQL quotes in its messages (the DETAIL of a unique violation, the value in an
 * invalid input error) are redacted by the CLI as the function redacts them
 * (`lambda/function/redact-row-data.ts`): in the error on stderr, in the `--json` error document and
 * in reports, unless `--show-row-data`. The CLI runs as a child process against real PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { createProject, type TestProject } from './support/project';
import { runCli } from './support/run-cli';

const EMAIL = 'alice.secret@example.com';
const VALUE = 'sk_live_4242';

let db: TestDatabase;
let project: TestProject;
const cli = (...args: string[]) => runCli([...args, '--database-url', db.url], { cwd: project.dir });

beforeAll(async () => {
  db = await createTestDatabase('cli_row_data');
  project = await createProject('row-data');
  await project.write('migrations/0001_create_person/up.sql', `CREATE TABLE person (id int PRIMARY KEY, email text UNIQUE, age int);\nINSERT INTO person VALUES (1, '${EMAIL}', 30);\n`);
  await project.write('migrations/0002_duplicate_email/up.sql', `INSERT INTO person VALUES (2, '${EMAIL}', 31);\n`);
  const run = await cli('migrate', '--to', '0001');
  if (run.code !== 0) throw new Error(`fixture migrate failed: ${run.stderr}`);
});
afterAll(async () => {
  await db?.drop();
  await project?.dispose();
});

describe('row data in errors and reports', () => {
  it('a unique violation: stderr shows the DETAIL with the key column and the value redacted', async () => {
    const run = await cli('migrate');
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('SQLSTATE 23505: duplicate key value violates unique constraint "person_email_key"');
    expect(run.stderr).toContain('detail: Key (email)=(<redacted>) already exists.');
    expect(run.stderr + run.stdout).not.toContain(EMAIL);
  });

  it('--json: the error document carries the redacted detail and nowhere the value', async () => {
    const run = await cli('migrate', '--json');
    expect(run.code).toBe(1);
    expect(run.json().error).toMatchObject({ name: 'MigrationError', version: '0002', sqlState: '23505', detail: 'Key (email)=(<redacted>) already exists.' });
    expect(run.stdout + run.stderr).not.toContain(EMAIL);
  });

  it('--show-row-data keeps the value, on stderr and in the JSON document', async () => {
    const text = await cli('migrate', '--show-row-data');
    expect(text.code).toBe(1);
    expect(text.stderr).toContain(`detail: Key (email)=(${EMAIL}) already exists.`);
    const json = await cli('migrate', '--json', '--show-row-data');
    expect(json.json().error.detail).toBe(`Key (email)=(${EMAIL}) already exists.`);
  });

  it('a value quoted in the message itself (invalid input, SQLSTATE 22P02) is redacted in the message and databaseMessage', async () => {
    await project.write('migrations/0002_duplicate_email/up.sql', `UPDATE person SET age = '${VALUE}'::text::int WHERE id = 1;\n`);
    const run = await cli('migrate', '--json');
    expect(run.code).toBe(1);
    const error = run.json().error;
    expect(error.databaseMessage).toBe('invalid input syntax for type integer: <redacted>');
    expect(error.message).toContain('SQLSTATE 22P02: invalid input syntax for type integer: <redacted>');
    expect(run.stdout + run.stderr).not.toContain(VALUE);
    const shown = await cli('migrate', '--show-row-data');
    expect(shown.stderr).toContain(`invalid input syntax for type integer: "${VALUE}"`);
  });

  it('an exclusion constraint\'s DETAIL (both keys) and a JSON token are redacted', async () => {
    await project.write(
      'migrations/0002_duplicate_email/up.sql',
      `CREATE TABLE booking (during tsrange, EXCLUDE USING gist (during WITH &&));\n` +
        `INSERT INTO booking VALUES ('[2031-07-02,2031-07-03)');\nINSERT INTO booking VALUES ('[2031-07-01,2031-07-05)');\n`,
    );
    const overlap = await cli('migrate', '--json');
    expect(overlap.code).toBe(1);
    expect(overlap.json().error).toMatchObject({ sqlState: '23P01', detail: 'Key (during)=(<redacted>) conflicts with existing key (during)=(<redacted>).' });
    expect(overlap.stdout + overlap.stderr).not.toContain('2031-07');

    await project.write('migrations/0002_duplicate_email/up.sql', `SELECT '{"token": ${VALUE}}'::json;\n`);
    const json = await cli('migrate', '--json');
    expect(json.code).toBe(1);
    expect(json.json().error).toMatchObject({ sqlState: '22P02', detail: 'Token <redacted> is invalid.' });
    expect(json.stdout + json.stderr).not.toContain(VALUE);
  });

  it('reports: a verify script failing on a quoted value is redacted in the table and in --json', async () => {
    await project.write('migrations/0001_create_person/verify.sql', `SELECT age = '${VALUE}'::text::int AS age_is_numeric FROM person WHERE id = 1;\n`);
    const json = await cli('verify', '--json');
    expect(json.code).toBe(2);
    const report = json.json();
    const failed = (report.verification.checks as Array<{ passed: boolean; message: string }>).filter((c) => !c.passed);
    expect(failed.map((c) => c.message).join('\n')).toContain('invalid input syntax for type integer: <redacted>');
    expect(json.stdout + json.stderr).not.toContain(VALUE);
    const text = await cli('verify');
    expect(text.code).toBe(2);
    expect(text.stdout).toContain('<redacted>');
    expect(text.stdout + text.stderr).not.toContain(VALUE);
    const shown = await cli('verify', '--json', '--show-row-data');
    expect(shown.stdout).toContain(VALUE);
  });
});
