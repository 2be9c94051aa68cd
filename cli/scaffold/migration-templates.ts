import type { MigrationLayout } from '../../lambda/migrations/readers/layouts';
import { dataMigrationTemplate } from './data-migration-template';

/**
 * The skeleton files `rds-migrate new` writes, in the folder's layout. The up script holds only
 * comments, so the compiler refuses it (exit code 4, no SQL statement) until the change is written.
 * The down script raises an error until it is written, so that a rollback cannot silently record a
 * revert that did nothing. verify.sql (native layout only; the others have no verify scripts) holds
 * a commented example.
 */
export interface SkeletonFile {
  /** Path relative to the migrations folder. */
  readonly file: string;
  readonly text: string;
}

export interface SkeletonOptions {
  readonly down: boolean;
  readonly verify: boolean;
  /** A TypeScript data migration (`up.ts`, native layout only; `data-migration-template.ts`) instead of up.sql/down.sql. @default false */
  readonly data?: boolean;
}

const upText = (label: string) => `-- ${label}: the change. Write it below; it runs in one transaction with its schema history row.
-- Statements PostgreSQL refuses inside a transaction (CREATE INDEX CONCURRENTLY, ...) must be the only
-- kind in this script: it then runs statement by statement, resuming after a failure.
-- Check it before deploying: rds-migrate lint, rds-migrate plan.
`;

const downText = (label: string) => `-- ${label}: reverts the up script (rds-migrate rollback --to <the version before>).
-- Replace the statement below with the revert, e.g. DROP INDEX CONCURRENTLY IF EXISTS ...;
-- or delete it if the migration cannot be reverted (restore its snapshot instead).
DO $$ BEGIN RAISE EXCEPTION 'the down script of ${label} is not written yet'; END $$;
`;

const verifyText = (label: string) => `-- ${label}: proves up.sql worked; runs read-only and is rolled back (rds-migrate verify).
-- Each query fails the verification when it raises an error, returns no rows, or returns false in
-- its first column, e.g.:
--   SELECT count(*) = 1 AS index_exists FROM pg_indexes WHERE indexname = 'my_index';
`;

/**
 * The files of a new migration `version`/`name` in `layout` (see `lambda/migrations/bundle.ts`):
 * - native: `<version>_<name>/up.sql`, `down.sql`, `verify.sql`; with `data`, `up.ts` (its `down`
 *   exported in it) and `verify.sql`;
 * - golang-migrate: `<version>_<name>.up.sql`, `<version>_<name>.down.sql`;
 * - flyway: `V<version>__<name>.sql` and the undo script `U<version>__<name>.sql` (dots as `_`);
 * - dbmate: `<version>_<name>.sql` with `-- migrate:up` and `-- migrate:down` sections.
 */
export function skeletonFiles(layout: MigrationLayout, version: string, name: string, options: SkeletonOptions): SkeletonFile[] {
  switch (layout) {
    case 'native': {
      const folder = `${version}_${name}`;
      if (options.data) {
        return [
          { file: `${folder}/up.ts`, text: dataMigrationTemplate(folder, options.down) },
          ...(options.verify ? [{ file: `${folder}/verify.sql`, text: verifyText(folder) }] : []),
        ];
      }
      return [
        { file: `${folder}/up.sql`, text: upText(folder) },
        ...(options.down ? [{ file: `${folder}/down.sql`, text: downText(folder) }] : []),
        ...(options.verify ? [{ file: `${folder}/verify.sql`, text: verifyText(folder) }] : []),
      ];
    }
    case 'golang-migrate': {
      const base = `${version}_${name}`;
      return [
        { file: `${base}.up.sql`, text: upText(base) },
        ...(options.down ? [{ file: `${base}.down.sql`, text: downText(base) }] : []),
      ];
    }
    case 'flyway': {
      const base = `${version.replace(/\./g, '_')}__${name}`;
      return [
        { file: `V${base}.sql`, text: upText(`V${base}`) },
        ...(options.down ? [{ file: `U${base}.sql`, text: downText(`V${base}`) }] : []),
      ];
    }
    case 'dbmate': {
      const base = `${version}_${name}`;
      const down = options.down ? `\n-- migrate:down\n${downText(base)}` : '';
      return [{ file: `${base}.sql`, text: `-- migrate:up\n${upText(base)}${down}` }];
    }
  }
}
