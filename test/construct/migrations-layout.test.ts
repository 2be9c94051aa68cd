import * as path from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, describe, expect, it } from 'vitest';
import { DatabaseMigrations } from '../../lib/database-migrations';
import type { DatabaseMigrationsProps } from '../../lib/database-migrations-props';
import { FIXTURE_MIGRATIONS, importedProps, newStack, removeTempDirs } from './support/stacks';

afterAll(removeTempDirs);

const FLYWAY_MIGRATIONS = path.resolve(FIXTURE_MIGRATIONS, '..', 'flyway-migrations');

function build(overrides: Partial<DatabaseMigrationsProps>): { migrations: DatabaseMigrations; template: () => Template } {
  const { stack } = newStack();
  const migrations = new DatabaseMigrations(stack, 'Migrations', importedProps(stack, overrides));
  return { migrations, template: () => Template.fromStack(stack) };
}

describe('migrationsLayout', () => {
  it('compiles a Flyway folder, named or detected, to the same bundle', () => {
    const named = build({ migrationsDirectory: FLYWAY_MIGRATIONS, migrationsLayout: 'flyway' });
    const detected = build({ migrationsDirectory: FLYWAY_MIGRATIONS });
    expect(named.migrations.migrationVersions).toEqual(['1', '2']);
    expect(detected.migrations.migrationsChecksum).toBe(named.migrations.migrationsChecksum);
    named.template().hasResourceProperties('Custom::RdsMigrate', { MigrationsChecksum: named.migrations.migrationsChecksum });
  });

  it('fails with the compiler message when the folder is not in the named layout', () => {
    expect(() => build({ migrationsDirectory: FLYWAY_MIGRATIONS, migrationsLayout: 'native' })).toThrow(
      /prop "migrationsDirectory" does not compile[^]*V1__create_invoice\.sql/,
    );
  });

  it('rejects an unknown layout, listing the known ones', () => {
    expect(() => build({ migrationsLayout: 'liquibase' as never })).toThrow(
      'prop "migrationsLayout" must be auto, native, golang-migrate, flyway, dbmate; got "liquibase"',
    );
  });
});
