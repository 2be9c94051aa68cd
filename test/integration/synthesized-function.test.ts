/**
 * The function exactly as `cdk synth` bundles it (esbuild output + migrations.json in cdk.out), run as
 * a cold start in a child process with the template's environment, pointed at the local Data API and
 * S3 through the AWS SDK's own endpoint variables.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MigrateActionReport } from '../../lambda/actions/migrate-action';
import type { StatusActionReport } from '../../lambda/actions/status-action';
import { loadFaktuLove } from '../../examples/faktulove/load-example';
import { startLocalAws, type LocalAws } from '../../local/environment/local-aws';
import { loadSynthesizedFunction, synth, type SynthesizedFunction } from '../../local/lambda';
import { createTestDatabase, type TestDatabase } from '../support/database';

describe('the synthesized function on FaktuLove', () => {
  let db: TestDatabase;
  let aws: LocalAws;
  let cdkOut: string;
  let fn: SynthesizedFunction;

  beforeAll(async () => {
    cdkOut = await mkdtemp(path.join(os.tmpdir(), 'rds-migrate-cdk-out-'));
    db = await createTestDatabase('synthesized');
    await loadFaktuLove(db.url);
    aws = await startLocalAws({ databaseUrl: db.url });
    await synth({ outdir: cdkOut });
    fn = await loadSynthesizedFunction({ cdkOut, synth: 'never', environment: aws.functionEnvironment() });
  }, 300_000);

  afterAll(async () => {
    await aws?.close();
    await db?.drop();
    await rm(cdkOut, { recursive: true, force: true });
  });

  it('is the Node.js 22 bundle with the compiled migrations beside it', () => {
    expect(fn.runtime).toBe('nodejs22.x');
    expect(path.basename(fn.handlerFile)).toBe('index.js');
    expect(fn.unresolvedEnvironment).toEqual({});
  });

  it('reports status through the Data API', async () => {
    const outcome = await fn.invoke<StatusActionReport>({ action: 'status' });
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    expect(outcome.result.pending).toEqual(['0022', '0023', '0024']);
  });

  it('migrates on the CloudFormation Create: snapshot, 0022, 0023, 0024, verify', async () => {
    const outcome = await fn.invoke<{ PhysicalResourceId: string; Data: Record<string, string> }>({
      RequestType: 'Create',
      ResourceProperties: { MigrationsChecksum: 'from-template' },
    });
    expect(outcome.ok, outcome.ok ? '' : outcome.error.errorMessage).toBe(true);
    if (!outcome.ok) return;
    expect(outcome.result.PhysicalResourceId).toBe(`rds-migrate:${db.name}`);
    expect(outcome.result.Data.CurrentVersion).toBe('0024');
    expect(outcome.result.Data.Applied).toBe('0022,0023,0024');
    expect(outcome.result.Data.SnapshotId).toMatch(/^\d{8}T\d{6}Z-[0-9a-f]{8}$/);
    const history = await db.sql(`SELECT version, success, applied_by FROM rds_migrate.schema_history ORDER BY installed_rank`);
    expect(history.rows).toEqual([
      { version: '0022', success: true, applied_by: `lambda:${fn.logicalId}` },
      { version: '0023', success: true, applied_by: `lambda:${fn.logicalId}` },
      { version: '0024', success: true, applied_by: `lambda:${fn.logicalId}` },
    ]);
  });

  it('applies nothing when invoked again, and says so', async () => {
    const outcome = await fn.invoke<MigrateActionReport>({ action: 'migrate' });
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    expect(outcome.result.migrate.applied).toEqual([]);
    expect(outcome.result.snapshotSkipped).toBe('nothing was pending');
    expect(outcome.result.verification.ok).toBe(true);
  });

  it('refuses a malformed console event with each bad field named', async () => {
    const outcome = await fn.invoke({ action: 'migrat', targetVersion: 5 });
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.error.errorType).toBe('InvalidEventError');
    expect(outcome.error.errorMessage).toMatch(/action: expected one of "status", "migrate", "verify", "snapshot"/);
  });

  it('keeps the database on the stack Delete', async () => {
    const outcome = await fn.invoke({ RequestType: 'Delete', PhysicalResourceId: `rds-migrate:${db.name}`, ResourceProperties: { MigrationsChecksum: 'x' } });
    expect(outcome.ok).toBe(true);
    const rows = await db.sql('SELECT count(*)::int AS n FROM faktury_faktura');
    expect(rows.rows[0].n).toBe(5000);
    const history = await db.sql('SELECT count(*)::int AS n FROM rds_migrate.schema_history');
    expect(history.rows[0].n).toBe(3);
  });
});
