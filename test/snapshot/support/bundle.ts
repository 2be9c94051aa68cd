import { createHash } from 'node:crypto';
import type { BundledMigration, BundledScript, MigrationBundle } from '../../../lambda/migrations/bundle';
import { bundleChecksum } from '../../../lambda/migrations/checksum';

/**
 * A MigrationBundle in memory standing in for the compiler: each statement its own string (a script's
 * text is its statements joined with ";\n"), all transactional.
 */
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

function script(file: string, statements: readonly string[]): BundledScript {
  let line = 1;
  return {
    file,
    checksum: sha256(statements.map((s) => `${s};\n`).join('')),
    statements: statements.map((sql) => {
      const statement = { sql, line, nonTransactional: false };
      line += sql.split('\n').length;
      return statement;
    }),
  };
}

export function bundled(version: string, name: string, up: readonly string[]): BundledMigration {
  const script_ = script(`${version}_${name}/up.sql`, up);
  return { version, name, checksum: script_.checksum, transactional: true, up: script_ };
}

export function bundleOf(migrations: readonly BundledMigration[]): MigrationBundle {
  return { formatVersion: 1, checksum: bundleChecksum(migrations), migrations: [...migrations] };
}
