import * as fs from 'node:fs';
import * as path from 'node:path';
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, describe, expect, it } from 'vitest';
import { DatabaseMigrations } from '../../lib/database-migrations';
import { FIXTURE_MIGRATIONS, importedProps, newApp, removeTempDirs, tempDir } from './support/stacks';

afterAll(removeTempDirs);

/** A copy of the fixture migrations folder, changed by `change`. */
function variant(change: (dir: string) => void = () => undefined): string {
  const dir = tempDir('checksum');
  fs.cpSync(FIXTURE_MIGRATIONS, dir, { recursive: true });
  change(dir);
  return dir;
}

describe('MigrationsChecksum of the custom resource', () => {
  it('is stable for unchanged migrations, and changes with every file change (so CloudFormation re-runs it)', () => {
    const editUp = (dir: string) => fs.appendFileSync(path.join(dir, '0002_add_invoice_total', 'up.sql'), '-- reviewed\n');
    const addVerify = (dir: string) => fs.writeFileSync(path.join(dir, '0001_create_invoice', 'verify.sql'), 'SELECT true AS ok;\n');
    const addMigration = (dir: string) => {
      fs.mkdirSync(path.join(dir, '0003_add_invoice_paid'));
      fs.writeFileSync(path.join(dir, '0003_add_invoice_paid', 'up.sql'), 'ALTER TABLE invoice ADD COLUMN paid boolean NOT NULL DEFAULT false;\n');
    };
    const folders = {
      original: FIXTURE_MIGRATIONS,
      copy: variant(),
      editedUp: variant(editUp),
      addedVerify: variant((dir) => (editUp(dir), addVerify(dir))),
      addedMigration: variant((dir) => (editUp(dir), addVerify(dir), addMigration(dir))),
    };
    // One app, one stack per folder state, one synthesis.
    const { app } = newApp();
    const stacks = Object.entries(folders).map(([name, migrationsDirectory]) => {
      const stack = new Stack(app, `Checksum-${name}`);
      const migrations = new DatabaseMigrations(stack, 'Migrations', importedProps(stack, { migrationsDirectory }));
      return { name, stack, migrations };
    });
    const checksums = Object.fromEntries(
      stacks.map(({ name, stack, migrations }) => {
        const resources = Object.values(Template.fromStack(stack).findResources('Custom::RdsMigrate')) as {
          Properties: { MigrationsChecksum: string };
        }[];
        expect(resources).toHaveLength(1);
        expect(resources[0]!.Properties.MigrationsChecksum).toBe(migrations.migrationsChecksum);
        return [name, resources[0]!.Properties.MigrationsChecksum];
      }),
    ) as Record<keyof typeof folders, string>;

    expect(checksums.original).toMatch(/^[0-9a-f]{64}$/);
    // Same files in another folder: same checksum (the path is not part of it).
    expect(checksums.copy).toBe(checksums.original);
    const changed = [checksums.original, checksums.editedUp, checksums.addedVerify, checksums.addedMigration];
    expect(new Set(changed).size).toBe(4);
  });
});
