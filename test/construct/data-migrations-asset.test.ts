/**
 * The construct ships data migrations' bundled modules in the function's code asset (`data/` next to
 * `migrations.json`), and the asset hash (the custom resource's `HandlerCodeHash`) changes when a
 * module changes, also through code it imports from outside the migrations folder, which the schema
 * history checksum (of `up.ts` alone) does not cover.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, describe, expect, it } from 'vitest';
import { DatabaseMigrations } from '../../lib/database-migrations';
import { importedProps, newApp, removeTempDirs, tempDir } from './support/stacks';

afterAll(removeTempDirs);

const FIXTURES = path.resolve(import.meta.dirname, '..', 'fixtures', 'data-migrations');

/** A copy of the data migration fixture (`app/` with `shared/` beside it), changed by `change`; returns its migrations folder. */
function variant(change: (root: string) => void = () => undefined): string {
  const root = tempDir('data-asset');
  fs.cpSync(path.join(FIXTURES, 'app'), path.join(root, 'app'), { recursive: true });
  fs.cpSync(path.join(FIXTURES, 'shared'), path.join(root, 'shared'), { recursive: true });
  change(root);
  return path.join(root, 'app');
}

describe('a data migration in the function asset', () => {
  it('is bundled into data/ of the asset; the code hash follows the module and what it imports', () => {
    const folders = {
      original: variant(),
      copy: variant(),
      helperEdited: variant((root) => {
        const helper = path.join(root, 'shared', 'cents.ts');
        fs.writeFileSync(helper, fs.readFileSync(helper, 'utf8').replace('round(', 'trunc('));
      }),
    };
    const { app, outdir } = newApp({ bundle: true });
    const stacks = Object.entries(folders).map(([name, migrationsDirectory]) => {
      const stack = new Stack(app, `DataAsset-${name}`);
      const migrations = new DatabaseMigrations(stack, 'Migrations', importedProps(stack, { migrationsDirectory }));
      return { name, stack, migrations };
    });
    app.synth();
    const hashes = Object.fromEntries(stacks.map(({ name, migrations }) => [name, migrations.handlerCodeHash])) as Record<keyof typeof folders, string>;
    const checksums = Object.fromEntries(stacks.map(({ name, migrations }) => [name, migrations.migrationsChecksum])) as Record<keyof typeof folders, string>;

    const { stack, migrations } = stacks[0]!;
    const resource = Object.values(Template.fromStack(stack).findResources('Custom::RdsMigrate'))[0] as { Properties: { HandlerCodeHash: string } };
    expect(resource.Properties.HandlerCodeHash).toBe(migrations.handlerCodeHash);
    const asset = path.join(outdir, `asset.${migrations.handlerCodeHash}`);
    expect(fs.readdirSync(asset).sort()).toEqual(['data', 'index.js', 'index.js.map', 'migrations.json', 'package.json']);
    expect(fs.readdirSync(path.join(asset, 'data'))).toEqual(['0002_backfill_amount_cents.mjs']);

    // The same files elsewhere: the same asset. A helper the module imports changed: a new asset, so
    // CloudFormation updates the function and the resource, although the up.ts checksum is the same.
    expect(hashes.copy).toBe(hashes.original);
    expect(hashes.helperEdited).not.toBe(hashes.original);
    expect(checksums.helperEdited).toBe(checksums.original);
  }, 180_000);
});
