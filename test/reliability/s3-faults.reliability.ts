/**
 * S3 faults during the snapshot a migrate run takes before its first migration: errors on a part
 * upload (once, which the SDK's own retry rides out, and on every attempt), a failed completion of
 * the multipart upload (a 500, and a 200 carrying an error as S3 documents), a failed manifest write,
 * and the S3 server stopped mid-snapshot.
 *
 * The shop database gets a `documents` table of about 11 MB, so its table object goes multipart (over
 * S3's 5 MiB part minimum). For each fault: a run that fails says so clearly and migrates nothing; no
 * manifest is written for the failed snapshot and it is not listed; no multipart upload is left open
 * (except when S3 itself was down, where only the bucket's AbortIncompleteMultipartUpload rule can
 * clean up); the next run takes a complete snapshot (every row of the database in it, compared row by
 * row) and migrates; the database ends equal to a clean run's.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listSnapshots } from '../../lambda/snapshot/list-snapshots';
import { freePort } from '../../local/postgres/embedded-postgres';
import { startLocalS3, type LocalS3 } from '../../local/s3/local-s3';
import { mapConcurrently } from './support/concurrently';
import { recordFigures } from './support/figures';
import { crashReason } from './support/outcome';
import type { LocalDataApi } from '../../local/data-api/server';
import { startS3FaultProxy, type S3FaultAction, type S3FaultContext, type S3FaultHook, type S3FaultProxy, type S3Operation } from './support/s3-fault-proxy';
import { historyContradictions, lastHistoryRows, probeEffects } from './support/shop-fixture';
import { checkRecovered, dataApiOver, invokeFunction, shopCopy, startShopWorld, untilLeaseExpired, type ShopWorld } from './support/shop-world';
import { compareSnapshotWith } from './support/snapshot-contents';
import { listManifestProblems, multipartUploadsInProgress } from './support/snapshot-objects';
import { statementStarting } from './support/fault-plans';

const AREA = 'S3 faults';

/** About 11 MB of JSON lines that gzip cannot shrink below 5 MiB: the upload goes multipart (2 parts). */
const DOCUMENTS_SQL = `
CREATE TABLE documents (id bigint PRIMARY KEY, body text NOT NULL);
INSERT INTO documents
SELECT g, md5(g || 'a') || md5(g || 'b') || md5(g || 'c') || md5(g || 'd') || md5(g || 'e') || md5(g || 'f') || md5(g || 'g') || md5(g || 'h')
FROM generate_series(1, 40000) AS g;
`;

let world: ShopWorld;
beforeAll(async () => {
  // A lease long enough for a process exporting two 11 MB tables at once (no run here dies holding it).
  world = await startShopWorld('rel_s3', { extraSeedSql: DOCUMENTS_SQL, leaseMs: 5000 });
}, 180_000);
afterAll(() => world?.close());

interface S3Plan {
  readonly hook: S3FaultHook;
  readonly fired: () => number;
}

/** `action` for the first `times` requests of `operation` (on the documents object unless `anyKey`). */
function s3FaultWhen(operation: S3Operation, action: S3FaultAction, times: number, keyPart = 'documents'): S3Plan {
  let fired = 0;
  return {
    hook: (context: S3FaultContext) => {
      if (context.operation !== operation || !context.key.includes(keyPart) || fired >= times) return undefined;
      fired++;
      return action;
    },
    fired: () => fired,
  };
}

const ALWAYS = Number.MAX_SAFE_INTEGER;
const internalError = { error: { status: 500, code: 'InternalError', message: 'We encountered an internal error. Please try again.' } };

const SCENARIOS: ReadonlyArray<{ readonly name: string; readonly plan: () => S3Plan }> = [
  { name: 'UploadPart fails once with 500 InternalError', plan: () => s3FaultWhen('UploadPart', internalError, 1) },
  { name: 'UploadPart fails with 500 on every attempt', plan: () => s3FaultWhen('UploadPart', internalError, ALWAYS) },
  { name: 'CompleteMultipartUpload fails with 500 on every attempt', plan: () => s3FaultWhen('CompleteMultipartUpload', internalError, ALWAYS) },
  {
    name: 'CompleteMultipartUpload answers 200 with an error on every attempt',
    plan: () => s3FaultWhen('CompleteMultipartUpload', { errorIn200: { code: 'InternalError', message: 'We encountered an internal error. Please try again.' } }, ALWAYS),
  },
  { name: 'the manifest PutObject fails with 503 SlowDown on every attempt', plan: () => s3FaultWhen('PutObject', { error: { status: 503, code: 'SlowDown', message: 'Please reduce your request rate.' } }, ALWAYS, 'manifest.json') },
];

interface ScenarioResult {
  readonly name: string;
  readonly fired: number;
  readonly recoveredBy: string;
  readonly problems: string[];
  readonly crashes: number;
  readonly rowsChecked: number;
  readonly rowsLost: number;
  /** Multipart uploads left open (only expected when S3 was down). */
  readonly openUploads: number;
}

interface ScenarioSetup {
  readonly name: string;
  readonly s3: LocalS3;
  /** Installs the fault; returns how many times it fired so far. */
  readonly arm: (env: { proxy: S3FaultProxy; dataApi: LocalDataApi }) => () => number;
  /** Called after the faulted run (e.g. to start S3 again). */
  readonly afterFault?: () => Promise<void>;
  /** Multipart uploads may be left open (S3 was down when they should have been aborted). */
  readonly openUploadsAllowed?: boolean;
}

async function runScenario(setup: ScenarioSetup, index: number): Promise<ScenarioResult> {
  const { name, s3 } = setup;
  const db = await shopCopy(world, `rel_s3_${index}`);
  const api = await dataApiOver(db);
  const proxy = await startS3FaultProxy(s3.endpoint);
  const problems: string[] = [];
  let crashes = 0;
  let rowsChecked = 0;
  let rowsLost = 0;
  try {
    const fired = setup.arm({ proxy, dataApi: api });
    const first = await invokeFunction(world, { db, dataApi: api, functionName: `s3-faulted-${index}`, s3Endpoint: proxy.endpoint });
    proxy.faults = undefined;
    api.faults = undefined;
    await setup.afterFault?.();
    if (fired() === 0) problems.push(`${name}: the fault never fired`);
    let recoveredBy = first.ok && first.value.ok ? 'same run' : '';
    if (!first.ok) {
      const crash = crashReason(first.error);
      if (crash) {
        crashes++;
        problems.push(`${name}: the run crashed: ${crash}`);
      }
      const message = (first.error as Error).message;
      if (!/Snapshot \S+ of database .* failed/.test(message)) problems.push(`${name}: the error does not say the snapshot failed: ${message}`);
      // Nothing migrated: no success row, no effect of any migration.
      const history = await lastHistoryRows(db);
      if ([...history.values()].some((r) => r.success || r.statementsApplied > 0)) problems.push(`${name}: a migration was recorded although the snapshot failed`);
      const effects = await probeEffects(db);
      if (effects.m0001 !== 'none' || effects.m0002.some((i) => i !== 'absent')) problems.push(`${name}: a migration ran although the snapshot failed`);
      for (const c of historyContradictions(effects, history)) problems.push(`${name}: ${c}`);
      const failedId = /Snapshot (\S+) of database/.exec(message)?.[1];
      const listed = await listSnapshots({ s3: s3.client(), bucket: world.bucket, prefix: 'snapshots/', database: db.name });
      if (failedId && listed.some((l) => l.snapshotId === failedId)) problems.push(`${name}: the failed snapshot ${failedId} is listed`);
    }
    const open = await multipartUploadsInProgress(s3, world.bucket);
    const openUploads = open.filter((k) => k.includes(db.name)).length;
    if (openUploads > 0 && !setup.openUploadsAllowed) problems.push(`${name}: multipart uploads left open: ${open.join(', ')}`);
    let report = first.ok ? first.value : undefined;
    if (!recoveredBy) {
      await untilLeaseExpired(db);
      const next = await invokeFunction(world, { db, dataApi: api, functionName: `s3-next-${index}`, s3Endpoint: proxy.endpoint, env: world.recoveryEnv });
      if (next.ok && next.value.ok) {
        recoveredBy = 'next run';
        report = next.value;
      } else {
        problems.push(`${name}: the next run failed: ${next.ok ? 'verification failed' : (next.error as Error).message}`);
      }
    }
    if (report?.snapshot) {
      const snapshot = await compareSnapshotWith(s3, report.snapshot.manifest, world.seeded, db.url);
      rowsChecked += snapshot.rowsChecked;
      rowsLost += snapshot.rowsLost;
      problems.push(...snapshot.problems.map((p) => `${name}: snapshot: ${p}`));
    } else if (recoveredBy) {
      problems.push(`${name}: the run that migrated took no snapshot`);
    }
    const check = await checkRecovered(world, db, name);
    problems.push(...check.problems);
    rowsChecked += check.rowsChecked;
    rowsLost += check.rowsLost;
    const failedWith = first.ok ? '' : ` (first run: ${(first.error as Error).message.split('\n')[0]!.slice(0, 200)})`;
    return { name, fired: fired(), recoveredBy: `${recoveredBy || 'not recovered'}${failedWith}`, problems, crashes, rowsChecked, rowsLost, openUploads };
  } finally {
    await proxy.close();
    await api.close();
    await db.drop();
  }
}

describe('S3 faults during the snapshot before migrating', () => {
  it('never migrate without a complete snapshot, and the next run recovers', async () => {
    // S3 stopped mid-snapshot: its own server, restarted on the same directory and port afterwards.
    const directory = await mkdtemp(path.join(os.tmpdir(), 'rds-migrate-s3-stopped-'));
    const port = await freePort();
    let stoppable = await startLocalS3({ directory, port });
    await stoppable.createBucket(world.bucket);
    let stopped = 0;
    const stopMidSnapshot: ScenarioSetup = {
      name: 'the S3 server stopped mid-snapshot (while the documents table is read)',
      get s3() {
        return stoppable;
      },
      arm: ({ dataApi }) => {
        const page = statementStarting('WITH page AS');
        let pages = 0;
        dataApi.faults = async (context) => {
          if (stopped === 0 && page(context) && String((context.request as { sql?: string }).sql).includes('"documents"') && ++pages === 4) {
            stopped++;
            await stoppable.close();
          }
          return undefined;
        };
        return () => stopped;
      },
      afterFault: async () => {
        stoppable = await startLocalS3({ directory, port });
      },
      openUploadsAllowed: true,
    };
    const setups: ScenarioSetup[] = [
      ...SCENARIOS.map((s) => {
        const plan = s.plan();
        const arm = ({ proxy }: { proxy: S3FaultProxy }) => {
          proxy.faults = plan.hook;
          return plan.fired;
        };
        return { name: s.name, s3: world.s3, arm };
      }),
      stopMidSnapshot,
    ];
    try {
      const results = await mapConcurrently(setups, 2, (setup, i) => runScenario(setup, i));
      const manifests = await listManifestProblems(world.s3, world.bucket);
      const stoppedManifests = await listManifestProblems(stoppable, world.bucket);
      recordFigures(AREA, {
        faultsInjected: results.reduce((sum, r) => sum + r.fired, 0),
        runsRecovered: results.filter((r) => r.problems.length === 0).length,
        rowsChecked: results.reduce((sum, r) => sum + r.rowsChecked, 0),
        rowsLost: results.reduce((sum, r) => sum + r.rowsLost, 0),
        crashes: results.reduce((sum, r) => sum + r.crashes, 0),
      });
      console.info(
        results
          .map((r) => `- ${r.name}: ${r.fired} fault(s), recovered by the ${r.recoveredBy}${r.openUploads ? `; ${r.openUploads} multipart upload(s) left for the lifecycle rule` : ''}`)
          .join('\n'),
      );
      expect(results.flatMap((r) => r.problems)).toEqual([]);
      expect([...manifests.broken, ...stoppedManifests.broken]).toEqual([]);
    } finally {
      await stoppable.close();
      await rm(directory, { recursive: true, force: true });
    }
  }, 300_000);
});
