/**
 * The database a request lands in when it names none: on AWS the secret's user name
 * (`/work/shared/data-api-reference.md`, "database"); locally the user of the server URL, which stands
 * in for the secret. Not the database of the URL.
 */
import { randomBytes } from 'node:crypto';
import { BeginTransactionCommand, ExecuteStatementCommand, RollbackTransactionCommand } from '@aws-sdk/client-rds-data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalDataApi } from '../../local/data-api/server';
import { startHarness, type DataApiHarness } from './harness';

let h: DataApiHarness;
const user = () => decodeURIComponent(new URL(h.db.url).username);

beforeAll(async () => {
  h = await startHarness('data_api_default_db');
});
afterAll(() => h?.close());

/** current_database() of one call with the given target. */
async function currentDatabase(target: { resourceArn: string; secretArn: string; database?: string }, client = h.client): Promise<string> {
  const out = await client.send(new ExecuteStatementCommand({ ...target, sql: 'SELECT current_database()' }));
  return out.records![0]![0]!.stringValue!;
}

describe('a request without database', () => {
  it('lands in the database named like the connecting user (the secret\'s user name), not the URL\'s database', async () => {
    expect(h.api.database).toBe(h.db.name);
    expect(h.api.defaultDatabase).toBe(user());
    expect(user()).not.toBe(h.db.name);
    const { resourceArn, secretArn } = h.target;
    expect(await currentDatabase({ resourceArn, secretArn })).toBe(user());
    expect(await currentDatabase({ resourceArn, secretArn, database: h.db.name })).toBe(h.db.name);
  });

  it('a transaction begun without database runs in that database too', async () => {
    const { resourceArn, secretArn } = h.target;
    const { transactionId } = await h.client.send(new BeginTransactionCommand({ resourceArn, secretArn }));
    const out = await h.client.send(new ExecuteStatementCommand({ resourceArn, secretArn, transactionId, sql: 'SELECT current_database()' }));
    expect(out.records![0]![0]!.stringValue).toBe(user());
    await h.client.send(new RollbackTransactionCommand({ resourceArn, secretArn, transactionId }));
  });

  it('fails with SQLSTATE 3D000 naming the database when the user has no database of its name', async () => {
    const role = `rdsm_role_${randomBytes(4).toString('hex')}`;
    await h.db.sql(`CREATE ROLE ${role} LOGIN PASSWORD 'local-test'`);
    const url = new URL(h.db.url);
    url.username = role;
    url.password = 'local-test';
    const api = await startLocalDataApi({ postgresUrl: url.toString() });
    const { RDSDataClient } = await import('@aws-sdk/client-rds-data');
    const client = new RDSDataClient({ ...api.clientConfig(), maxAttempts: 1 });
    try {
      expect(api.defaultDatabase).toBe(role);
      const failure = await h.failure(currentDatabase({ resourceArn: api.resourceArn, secretArn: api.secretArn }, client));
      expect(failure.name).toBe('DatabaseErrorException');
      expect(failure.message).toContain(`database "${role}" does not exist`);
      expect(failure.message).toContain('SQLState: 3D000');
      // Named, the URL's database is reached with the same user.
      expect(await currentDatabase({ resourceArn: api.resourceArn, secretArn: api.secretArn, database: api.database }, client)).toBe(h.db.name);
    } finally {
      client.destroy();
      await api.close();
      await h.db.sql(`DROP ROLE ${role}`);
    }
  });
});
