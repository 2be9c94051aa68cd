/**
 * Builds a MigrationBundle in memory for engine tests, standing in for the compiler
 * (`lambda/migrations/compile.ts`): each statement is given as its own string, so nothing needs
 * splitting. A script's text is its statements joined with ";\n", which fixes each statement's line.
 */
import { createHash } from 'node:crypto';
import type { BundledMigration, BundledRepeatable, BundledScript, DataMigrationRef, MigrationBundle, MigrationDirectives } from '../../../lambda/migrations/bundle';

export interface MigrationSpec {
  readonly version: string;
  readonly name: string;
  readonly up: readonly string[];
  readonly down?: readonly string[];
  readonly verify?: readonly string[];
  /** As the compiler reads them from `-- rds-migrate:` (transaction=off makes it non-transactional). */
  readonly directives?: MigrationDirectives;
  /** A data migration: the module reference (the up script then stands for the module's source). */
  readonly data?: DataMigrationRef;
}

export interface RepeatableSpec {
  readonly name: string;
  readonly up: readonly string[];
  readonly directives?: MigrationDirectives;
}

const NON_TRANSACTIONAL = /^\s*(CREATE\s+(UNIQUE\s+)?INDEX\s+CONCURRENTLY|DROP\s+INDEX\s+CONCURRENTLY|REINDEX\b[^;]*\bCONCURRENTLY|VACUUM)\b/i;

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

function script(file: string, statements: readonly string[]): BundledScript {
  const text = statements.map((s) => `${s};\n`).join('');
  let line = 1;
  const bundled = statements.map((sql) => {
    const statement = { sql, line, nonTransactional: NON_TRANSACTIONAL.test(sql) };
    line += sql.split('\n').length;
    return statement;
  });
  return { file, checksum: sha256(text), statements: bundled };
}

export function migration(spec: MigrationSpec): BundledMigration {
  const folder = `${spec.version}_${spec.name}`;
  if (spec.data) {
    // The module's source stands in as the up script: its checksum is the migration's.
    const source = script(`${folder}/up.ts`, spec.up);
    const data: BundledMigration = {
      version: spec.version,
      name: spec.name,
      checksum: source.checksum,
      transactional: false,
      up: { ...source, statements: [] },
      data: spec.data,
    };
    return data;
  }
  const up = script(`${folder}/up.sql`, spec.up);
  return {
    version: spec.version,
    name: spec.name,
    checksum: up.checksum,
    transactional: up.statements.every((s) => !s.nonTransactional) && spec.directives?.transaction !== false,
    ...(spec.directives ? { directives: spec.directives } : {}),
    up,
    ...(spec.down ? { down: script(`${folder}/down.sql`, spec.down) } : {}),
    ...(spec.verify ? { verify: script(`${folder}/verify.sql`, spec.verify) } : {}),
  };
}

export function repeatable(spec: RepeatableSpec): BundledRepeatable {
  const up = script(`R__${spec.name}.sql`, spec.up);
  return {
    name: spec.name,
    checksum: up.checksum,
    transactional: up.statements.every((s) => !s.nonTransactional) && spec.directives?.transaction !== false,
    ...(spec.directives ? { directives: spec.directives } : {}),
    up,
  };
}

export function buildBundle(specs: readonly MigrationSpec[], repeatables: readonly RepeatableSpec[] = []): MigrationBundle {
  const migrations = specs.map(migration);
  const bundledRepeatables = repeatables.map(repeatable);
  return {
    formatVersion: 1,
    checksum: sha256(
      [
        ...migrations.map((m) => `${m.version}:${m.name}:${m.checksum}:${m.down?.checksum}:${m.verify?.checksum}`),
        ...bundledRepeatables.map((r) => `R:${r.name}:${r.checksum}`),
      ].join('\n'),
    ),
    migrations,
    ...(bundledRepeatables.length > 0 ? { repeatables: bundledRepeatables } : {}),
  };
}
