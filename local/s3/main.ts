import { parseArgs } from 'node:util';
import { startLocalS3 } from './local-s3';

/**
 * Runs a local S3 until interrupted:
 *
 *   npx tsx local/s3/main.ts [--port 4569] [--directory .rds-migrate/s3] [--bucket snapshots]...
 *
 * Prints the endpoint and the settings a client needs. Without `--directory` the objects live in a
 * temporary directory removed on exit.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '4569' },
      directory: { type: 'string' },
      bucket: { type: 'string', multiple: true, default: [] },
    },
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port: ${values.port} is not a TCP port`);
  const s3 = await startLocalS3({ port, ...(values.directory ? { directory: values.directory } : {}) });
  for (const bucket of values.bucket ?? []) await s3.createBucket(bucket);
  console.log(`local S3 listening on ${s3.endpoint} (objects in ${s3.directory})`);
  console.log(`  buckets: ${(values.bucket ?? []).join(', ') || '(none yet)'}`);
  console.log('  client: forcePathStyle, region us-east-1, credentials S3RVER / S3RVER,');
  console.log("          requestChecksumCalculation and responseChecksumValidation 'WHEN_REQUIRED'");
  const stop = () => {
    s3.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
