/** The README.md `rds-migrate init` writes into a new migrations folder (the layout allows `*.md` files). */
export const MIGRATIONS_README = `# Migrations

One folder per migration, applied in version order by rds-migrate (locally with the CLI, in AWS by
the DatabaseMigrations construct's function on \`cdk deploy\`):

    <version>_<name>/
      up.sql       required: the change
      down.sql     optional: reverts it (rds-migrate rollback --to <version>)
      verify.sql   optional: proves it; each query must return a row whose first column is not false

Or, for a data migration in TypeScript (\`rds-migrate new <name> --data\`):

    <version>_<name>/
      up.ts        required: exports up(ctx), and down(ctx) to revert it; batches via ctx.backfill / ctx.batches
      verify.sql   optional

Create the next one with \`rds-migrate new <name>\`. Never edit an applied up.sql or up.ts: its checksum is
recorded in the schema history, and migrate refuses to run until the file is restored (or the change
is accepted with \`rds-migrate repair\`).

A script runs in one transaction, unless all its statements must run outside one (CREATE INDEX
CONCURRENTLY): then they run one by one, and a failed run resumes after the last one that succeeded.
Check a migration before deploying it with \`rds-migrate lint\` and \`rds-migrate plan\`.
`;
