import * as fs from 'node:fs';
import * as path from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatabaseMigrations } from '../../lib/database-migrations';
import { FIXTURE_MIGRATIONS, importedProps, newStack, removeTempDirs, tempDir } from './support/stacks';

/** Synthesizes a (non-bundling) stack for the folder and returns the custom resource's MigrationsChecksum. */
function checksumOf(migrationsDirectory: string): string {
  const { stack } = newStack();
  const migrations = new DatabaseMigrations(stack, 'Migrations', importedProps(stack, { migrationsDirectory }));
  const resources = Object.values(Template.fromStack(stack).findResources('Custom::RdsMigrate')) as { Properties: { MigrationsChecksum: string } }[];
  expect(resources).toHaveLength(1);
  expect(resources[0]!.Properties.MigrationsChecksum).toBe(migrations.migrationsChecksum);
  return resources[0]!.Properties.MigrationsChecksum;
}

describe('MigrationsChecksum of the custom resource', () => {
  let dir: string;
  beforeAll(() => {
    dir = tempDir('checksum');
    fs.cpSync(FIXTURE_MIGRATIONS, dir, { recursive: true });
  });
  afterAll(removeTempDirs);

  it('is stable for an unchanged folder, and changes with every file change (so CloudFormation re-runs it)', () => {
    const original = checksumOf(dir);
    expect(original).toMatch(/^[0-9a-f]{64}$/);
    expect(checksumOf(dir)).toBe(original);

    const up = path.join(dir, '0002_add_invoice_total', 'up.sql');
    fs.appendFileSync(up, '-- reviewed\n');
    const edited = checksumOf(dir);
    expect(edited).not.toBe(original);

    fs.writeFileSync(path.join(dir, '0001_create_invoice', 'verify.sql'), 'SELECT true AS ok;\n');
    const withVerify = checksumOf(dir);
    expect(new Set([original, edited, withVerify]).size).toBe(3);

    fs.mkdirSync(path.join(dir, '0003_add_invoice_paid'));
    fs.writeFileSync(path.join(dir, '0003_add_invoice_paid', 'up.sql'), 'ALTER TABLE invoice ADD COLUMN paid boolean NOT NULL DEFAULT false;\n');
    const withNewMigration = checksumOf(dir);
    expect(new Set([original, edited, withVerify, withNewMigration]).size).toBe(4);

    // Same content in another folder: same checksum (the path is not part of it).
    const copy = tempDir('checksum-copy');
    fs.cpSync(dir, copy, { recursive: true });
    expect(checksumOf(copy)).toBe(withNewMigration);
  });
});
