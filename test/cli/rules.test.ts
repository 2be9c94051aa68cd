import { describe, expect, it } from 'vitest';
import { ExitCode, exitCodeForError, exitCodeForErrorName } from '../../cli/exit-codes';
import { errorDocument } from '../../cli/output/error-output';
import { migrationName, nextVersion } from '../../cli/scaffold/next-version';
import { awsClientConfig, isLoopbackEndpoint } from '../../cli/target/local-endpoint';
import { resolveTarget } from '../../cli/target/target-options';
import { UsageError } from '../../cli/usage-error';
import { HistoryValidationError, LockHeldError, MigrationError } from '../../lambda/engine/errors';
import { MigrationCompileError } from '../../lambda/migrations/compile-error';
import { compareVersions } from '../../lambda/migrations/compare-versions';

describe('exit codes of the library\'s errors', () => {
  it('maps each error class by name, unknown ones to failure', () => {
    const holder = { owner: 'x', acquiredAt: '', expiresAt: '', heartbeatAt: '' };
    expect(exitCodeForError(new LockHeldError(holder, 0))).toBe(ExitCode.LockHeld);
    expect(exitCodeForError(new HistoryValidationError('migrate', []))).toBe(ExitCode.BadInput);
    expect(exitCodeForError(new MigrationCompileError('bad', 'm/0001_x/up.sql', 1))).toBe(ExitCode.BadInput);
    expect(exitCodeForError(new UsageError('--to: bad'))).toBe(ExitCode.BadInput);
    const failed = new MigrationError({
      version: '0001', name: 'x', direction: 'up', file: '0001_x/up.sql', line: 2, statement: 1, completed: [], statementsLeftApplied: 0, attempts: 1, cause: new Error('boom'),
    });
    expect(exitCodeForError(failed)).toBe(ExitCode.Failure);
    expect(exitCodeForError(new Error('anything'))).toBe(ExitCode.Failure);
    expect(exitCodeForError('a string')).toBe(ExitCode.Failure);
    // The Lambda runtime's errorType of a function error maps the same way.
    expect(exitCodeForErrorName('InvalidEventError')).toBe(ExitCode.BadInput);
    expect(exitCodeForErrorName('Sandbox.Timedout')).toBe(ExitCode.Failure);
  });

  it('puts an error\'s own fields into its JSON document, not its cause or stack', () => {
    const failed = new MigrationError({
      version: '0002', name: 'y', direction: 'up', file: '0002_y/up.sql', line: 7, statement: 3, completed: ['0001'], statementsLeftApplied: 0, attempts: 1, cause: new Error('boom'),
    });
    const doc = errorDocument(failed, ExitCode.Failure);
    expect(doc.error).toMatchObject({ name: 'MigrationError', exitCode: 1, version: '0002', file: '0002_y/up.sql', line: 7, statement: 3, completed: ['0001'] });
    expect(doc.error).not.toHaveProperty('stack');
    expect(doc.error).not.toHaveProperty('cause');
  });
});

describe('new: versions and names', () => {
  const next = (versions: string[], now?: Date) => nextVersion(versions, compareVersions, now);
  it('increments the highest version keeping its width; an empty folder starts as the layout\'s tool does', () => {
    expect(next([])).toBe('0001');
    const now = new Date('2025-03-14T09:15:00Z');
    expect(['native', 'golang-migrate', 'flyway', 'dbmate'].map((layout) => nextVersion([], compareVersions, now, layout as 'native'))).toEqual([
      '0001',
      '000001',
      '1',
      '20250314091500',
    ]);
    expect(next(['0001', '0022', '0009'])).toBe('0023');
    expect(next(['0099'])).toBe('0100');
    expect(next(['1.2.9', '1.2.10'])).toBe('1.2.11');
    expect(next(['99'])).toBe('100');
  });

  it('gives timestamp versions the current UTC time, or the highest plus one', () => {
    expect(next(['20240101120000'], new Date('2025-03-14T09:15:00Z'))).toBe('20250314091500');
    expect(next(['20990101000000'], new Date('2025-03-14T09:15:00Z'))).toBe('20990101000001');
  });

  it('turns spaces into _ and refuses other characters', () => {
    expect(migrationName('  add ocr   indexes ')).toBe('add_ocr_indexes');
    expect(() => migrationName('add/indexes')).toThrow('may contain only letters, digits, "_" and "-" (found "/")');
    expect(() => migrationName('   ')).toThrow('the migration name is empty');
  });
});

describe('targets', () => {
  const cli = () => 'cli';
  it('picks the embedded PostgreSQL when no target flag is given', () => {
    expect(resolveTarget({}, cli, '/project')).toEqual({ kind: 'embedded', dataDir: '/project/.rds-migrate/postgres', database: 'postgres' });
    expect(() => resolveTarget({ database: 'bad name' }, cli, '/p')).toThrow(UsageError);
  });

  it('decodes the database of a URL; lets the command line win over the environment', () => {
    expect(resolveTarget({ databaseUrl: 'postgresql://u:p@h:5432/my%20db' }, cli, '/p')).toMatchObject({ kind: 'pg', database: 'my db' });
    const fromEnv = (flag: string) => (flag === 'databaseUrl' ? 'env' : 'cli');
    const spec = resolveTarget(
      { databaseUrl: 'postgres://h/db', resourceArn: 'arn:aws:rds:eu-west-1:1:cluster:c', secretArn: 'arn:aws:secretsmanager:eu-west-1:1:secret:s', database: 'app' },
      fromEnv,
      '/p',
    );
    expect(spec).toMatchObject({ kind: 'data-api', database: 'app' });
  });

  it('gives loopback endpoints a region and the local development keys, and nothing else', () => {
    expect(isLoopbackEndpoint('http://127.0.0.1:8080')).toBe(true);
    expect(isLoopbackEndpoint('http://localhost:4566')).toBe(true);
    expect(isLoopbackEndpoint('http://[::1]:80')).toBe(true);
    expect(isLoopbackEndpoint('https://rds-data.eu-west-1.amazonaws.com')).toBe(false);
    expect(awsClientConfig({ endpoint: 'http://127.0.0.1:8080' }, {})).toEqual({
      endpoint: 'http://127.0.0.1:8080',
      region: 'us-east-1',
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });
    expect(awsClientConfig({ endpoint: 'http://127.0.0.1:8080' }, { AWS_REGION: 'eu-west-1', AWS_PROFILE: 'dev' })).toEqual({ endpoint: 'http://127.0.0.1:8080' });
    expect(awsClientConfig({ endpoint: 'https://vpce-1.rds-data.eu-west-1.vpce.amazonaws.com', region: 'eu-west-1' }, {})).toEqual({
      endpoint: 'https://vpce-1.rds-data.eu-west-1.vpce.amazonaws.com',
      region: 'eu-west-1',
    });
  });
});
