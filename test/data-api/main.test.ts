import { spawn } from 'node:child_process';
import { RDSDataClient, ExecuteStatementCommand } from '@aws-sdk/client-rds-data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDataApiLocalArgs, runDataApiLocal } from '../../local/data-api/main';
import { createTestDatabase, type TestDatabase } from '../support/database';

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase('data_api_main');
});
afterAll(() => db.drop());

describe('data-api-local entry', () => {
  it('reads flags, then the environment, with defaults', () => {
    expect(parseDataApiLocalArgs(['--postgres-url', 'postgres://a/b', '--port', '0'], {})).toEqual({ postgresUrl: 'postgres://a/b', port: 0, host: '127.0.0.1' });
    expect(parseDataApiLocalArgs([], { DATABASE_URL: 'postgres://x/y', RDS_MIGRATE_DATA_API_PORT: '9000' })).toEqual({
      postgresUrl: 'postgres://x/y',
      port: 9000,
      host: '127.0.0.1',
    });
    expect(parseDataApiLocalArgs([], {})).toEqual({ port: 8080, host: '127.0.0.1' });
    expect(() => parseDataApiLocalArgs(['--port', 'eighty'], {})).toThrow(/--port must be a non-negative integer/);
    expect(() => parseDataApiLocalArgs(['--bogus'], {})).toThrow(/bogus/);
  });

  it('starts a server the SDK can use through AWS_ENDPOINT_URL_RDS_DATA, printing how', async () => {
    const lines: string[] = [];
    const running = await runDataApiLocal({ postgresUrl: db.url, port: 0, host: '127.0.0.1' }, (line) => lines.push(line));
    const saved = { ...process.env };
    try {
      expect(lines.join('\n')).toContain(`AWS_ENDPOINT_URL_RDS_DATA=${running.api.endpoint}`);
      Object.assign(process.env, { AWS_ENDPOINT_URL_RDS_DATA: running.api.endpoint, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' });
      const client = new RDSDataClient({});
      const result = await client.send(
        new ExecuteStatementCommand({ resourceArn: running.api.resourceArn, secretArn: running.api.secretArn, database: running.api.database, sql: 'SELECT current_database() AS db' }),
      );
      client.destroy();
      expect(result.records).toEqual([[{ stringValue: db.name }]]);
    } finally {
      process.env = saved;
      await running.stop();
    }
  });

  it('runs as a script and prints its endpoint', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'local/data-api/main.ts', '--postgres-url', db.url, '--port', '0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const endpoint = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          const match = /listening on (http:\/\/\S+)/.exec(out);
          if (match) resolve(match[1]!);
        });
        child.once('exit', (code) => reject(new Error(`exited with ${code}: ${out}`)));
      });
      const response = await fetch(`${endpoint}/Execute`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ resourceArn: 'arn:x', secretArn: 'arn:y', sql: 'SELECT 2 AS two' }),
      });
      expect(await response.json()).toMatchObject({ records: [[{ longValue: 2 }]] });
    } finally {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
  });
});
