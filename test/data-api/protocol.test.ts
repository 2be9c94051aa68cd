import { BatchExecuteStatementCommand, BeginTransactionCommand, CommitTransactionCommand, ExecuteStatementCommand, RDSDataServiceException } from '@aws-sdk/client-rds-data';
import { RDSDataClient } from '@aws-sdk/client-rds-data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalDataApi } from '../../local/data-api/server';
import { startHarness, type DataApiHarness } from './harness';

let h: DataApiHarness;

beforeAll(async () => {
  h = await startHarness('data_api_protocol');
});
afterAll(() => h.close());

/** POSTs a raw body to an operation path, bypassing the SDK. */
async function post(path: string, body: string): Promise<{ status: number; errorType: string | null; json: Record<string, unknown> }> {
  const response = await fetch(`${h.api.endpoint}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  return { status: response.status, errorType: response.headers.get('x-amzn-errortype'), json: (await response.json()) as Record<string, unknown> };
}

describe('wire protocol', () => {
  it('answers the real SDK client signed with any credentials', async () => {
    const result = await h.execute('SELECT 1 AS one');
    expect(result.$metadata.httpStatusCode).toBe(200);
    expect(result.records).toEqual([[{ longValue: 1 }]]);
  });

  it('rejects a missing required member with a ValidationException naming it', async () => {
    const noSql = await h.failure(h.client.send(new ExecuteStatementCommand({ ...h.target } as never)));
    expect(noSql.name).toBe('ValidationException');
    expect(noSql.$metadata?.httpStatusCode).toBe(400);
    expect(noSql.message).toContain("'sql'");

    const noSecret = await post('/Execute', JSON.stringify({ resourceArn: h.api.resourceArn, sql: 'SELECT 1' }));
    expect(noSecret).toMatchObject({ status: 400, errorType: 'ValidationException' });
    expect(noSecret.json.message).toContain("'secretArn'");

    const noTransaction = await h.failure(h.client.send(new CommitTransactionCommand({ ...h.target } as never)));
    expect(noTransaction.name).toBe('ValidationException');
    expect(noTransaction.message).toContain("'transactionId'");
  });

  it('rejects a member of the wrong type, naming it', async () => {
    const res = await post('/Execute', JSON.stringify({ ...h.target, sql: 'SELECT 1', includeResultMetadata: 'yes' }));
    expect(res).toMatchObject({ status: 400, errorType: 'ValidationException' });
    expect(res.json.message).toContain("'includeResultMetadata'");
  });

  it('rejects several statements in one SQL string, counted by the PostgreSQL parser', async () => {
    const err = await h.failure(h.execute('SELECT 1; SELECT 2'));
    expect(err.name).toBe('ValidationException');
    expect(err.message).toBe("Multistatements aren't supported.");
    // Semicolons inside literals, dollar-quoted bodies and comments, or a trailing one, are one statement.
    const single = await h.execute(`SELECT 'a;b' AS s, $$ x; y $$ AS d /* ; */ ;`);
    expect(single.records).toEqual([[{ stringValue: 'a;b' }, { stringValue: ' x; y ' }]]);
    await h.execute(`CREATE FUNCTION two() RETURNS int LANGUAGE sql AS $$ SELECT 1; SELECT 2 $$`);
    expect((await h.execute('SELECT two() AS v')).records).toEqual([[{ longValue: 2 }]]);
  });

  it('rejects SQL longer than 65,536 characters', async () => {
    const padding = ' '.repeat(65_536 - 'SELECT 1'.length);
    await expect(h.execute(`SELECT 1${padding}`)).resolves.toBeDefined();
    const err = await h.failure(h.execute(`SELECT 1${padding} `));
    expect(err.name).toBe('ValidationException');
    expect(err.message).toContain('65536');
  });

  it('rejects the schema parameter', async () => {
    const err = await h.failure(h.execute('SELECT 1', { schema: 'public' }));
    expect(err.name).toBe('ValidationException');
    expect(err.message).toContain('schema');
  });

  it('reports SQL errors as DatabaseErrorException with detail, hint, position and SQLSTATE', async () => {
    await h.execute('CREATE TABLE uniq (id int PRIMARY KEY)');
    await h.execute('INSERT INTO uniq VALUES (1)');
    const duplicate = await h.failure(h.execute('INSERT INTO uniq VALUES (1)'));
    expect(duplicate).toBeInstanceOf(RDSDataServiceException);
    expect(duplicate.name).toBe('DatabaseErrorException');
    expect(duplicate.$metadata?.httpStatusCode).toBe(400);
    expect(duplicate.message).toBe(
      'ERROR: duplicate key value violates unique constraint "uniq_pkey"; Detail: Key (id)=(1) already exists.; SQLState: 23505',
    );
    const noFunction = await h.failure(h.execute('SELECT no_such_function(1)'));
    expect(noFunction.message).toMatch(
      /^ERROR: function no_such_function\(integer\) does not exist; Hint: No function matches .*; Position: 8; SQLState: 42883$/,
    );
  });

  it('rejects array parameters', async () => {
    const err = await h.failure(h.execute('SELECT :a AS a', { parameters: [{ name: 'a', value: { arrayValue: { longValues: [1, 2] } } }] }));
    expect(err.name).toBe('ValidationException');
    expect(err.message).toContain('Array parameters are not supported');
  });

  it('rejects a request body over the 4 MiB request limit', async () => {
    const sets = Array.from({ length: 70 }, () => [{ name: 'v', value: { stringValue: 'x'.repeat(60_000) } }]);
    const err = await h.failure(h.client.send(new BatchExecuteStatementCommand({ ...h.target, sql: 'SELECT :v', parameterSets: sets })));
    expect(err.name).toBe('ValidationException');
    expect(err.message).toContain('request limit of 4194304 bytes');
  });

  it('answers DatabaseUnavailableException (504) when PostgreSQL cannot be reached', async () => {
    const down = await startLocalDataApi({ postgresUrl: 'postgres://postgres:x@127.0.0.1:1/nowhere' });
    const client = new RDSDataClient({ ...down.clientConfig(), maxAttempts: 1 });
    try {
      const err = await h.failure(client.send(new ExecuteStatementCommand({ ...h.target, sql: 'SELECT 1' })));
      expect(err.name).toBe('DatabaseUnavailableException');
      expect(err.$metadata?.httpStatusCode).toBe(504);
    } finally {
      client.destroy();
      await down.close();
    }
  });

  it('answers an unknown operation path with 404', async () => {
    const res = await post('/ExecuteSql', '{}');
    expect(res).toMatchObject({ status: 404, errorType: 'UnknownOperationException' });
  });

  it('returns a transaction id from BeginTransaction in the style AWS issues', async () => {
    const { transactionId } = await h.client.send(new BeginTransactionCommand({ ...h.target }));
    expect(transactionId).toMatch(/^[A-Za-z0-9+/=]{40,}$/);
    await h.client.send(new CommitTransactionCommand({ ...h.target, transactionId }));
  });
});
