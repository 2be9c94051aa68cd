import { BeginTransactionCommand, CommitTransactionCommand } from '@aws-sdk/client-rds-data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type DataApiHarness } from './harness';

let h: DataApiHarness;

beforeAll(async () => {
  h = await startHarness('data_api_limits');
});
afterAll(() => h.close());

describe('result size limits', () => {
  it('fails a response over 1 MiB with UnsupportedResultException, and passes one under it', async () => {
    // 16 rows of 60,000 characters: about 0.96 MB of JSON.
    const under = await h.execute(`SELECT repeat('x', 60000) AS v FROM generate_series(1, 16)`);
    expect(under.records).toHaveLength(16);
    const over = await h.failure(h.execute(`SELECT repeat('x', 60000) AS v FROM generate_series(1, 18)`));
    expect(over.name).toBe('UnsupportedResultException');
    expect(over.$metadata?.httpStatusCode).toBe(400);
    expect(over.message).toContain('Database returned more than the allowed response size limit');
  });

  it('fails a row over 64 KB with UnsupportedResultException naming the row', async () => {
    await expect(h.execute(`SELECT repeat('x', 65536) AS v`)).resolves.toBeDefined();
    const err = await h.failure(h.execute(`SELECT n, repeat('x', CASE WHEN n = 2 THEN 65537 ELSE 10 END) AS v FROM generate_series(1, 3) n`));
    expect(err.name).toBe('UnsupportedResultException');
    expect(err.message).toContain('row 2 has 65538 bytes');
  });

  it('ends the transaction of a call whose result is too large', async () => {
    const { transactionId } = await h.client.send(new BeginTransactionCommand({ ...h.target }));
    await h.failure(h.execute(`SELECT repeat('x', 70000) AS v`, { transactionId }));
    const err = await h.failure(h.client.send(new CommitTransactionCommand({ ...h.target, transactionId })));
    expect(err.name).toBe('TransactionNotFoundException');
  });

  it('applies a configurable limit to formattedRecords instead with formatRecordsAs JSON', async () => {
    const small = await startHarness('data_api_limits_json', { maxFormattedRecordsBytes: 1_000, maxResponseBytes: 500 });
    try {
      const fits = await small.execute(`SELECT repeat('x', 900) AS v`, { formatRecordsAs: 'JSON' });
      expect(JSON.parse(fits.formattedRecords!)).toEqual([{ v: 'x'.repeat(900) }]);
      const err = await small.failure(small.execute(`SELECT repeat('x', 1000) AS v`, { formatRecordsAs: 'JSON' }));
      expect(err.name).toBe('UnsupportedResultException');
      expect(err.message).toContain('formattedRecords exceeds 1000 bytes');
    } finally {
      await small.close();
    }
  });
});
