/** The migrations-folder layouts rds-migrate reads (see `bundle.ts` for each one's rules). */
export const MIGRATION_LAYOUTS = ['native', 'golang-migrate', 'flyway', 'dbmate'] as const;

export type MigrationLayout = (typeof MIGRATION_LAYOUTS)[number];

/** How each layout names its migrations, for error messages. */
export const LAYOUT_SHAPES: Readonly<Record<MigrationLayout, string>> = {
  native: 'one folder per migration, <version>_<name>/ holding up.sql (and optionally down.sql, verify.sql)',
  'golang-migrate': 'files <version>_<name>.up.sql and <version>_<name>.down.sql',
  flyway: 'files V<version>__<description>.sql, U<version>__<description>.sql and R__<description>.sql',
  dbmate: 'files <version>_<name>.sql with -- migrate:up and -- migrate:down sections',
};

/** Type guard for a layout name given as an option. */
export function isMigrationLayout(value: unknown): value is MigrationLayout {
  return typeof value === 'string' && (MIGRATION_LAYOUTS as readonly string[]).includes(value);
}
