-- App.0008 (guide, Steps 1-3: makemigrations, the reviewed AddField operations, migrate): the five
-- offline-sync fields on Sale, on a table that holds every sale the pharmacy ever made.
--
-- Without a long lock: one ALTER TABLE takes the table's ACCESS EXCLUSIVE lock once, and every action
-- in it is a catalog-only change, so the lock lasts milliseconds whatever the table's size:
--   - nullable columns without a default store nothing in existing rows;
--   - since PostgreSQL 11 a column added with a non-volatile default keeps that one value in the
--     catalog instead of writing it into every row (docs: ALTER TABLE, Notes). 'web' is a constant,
--     and now() is STABLE: evaluated once, so every existing sale gets the migration's time.
-- The runner sets lock_timeout (5 s, retried): if a long transaction holds the table, the ALTER gives
-- up instead of queueing every sale behind it.
--
-- external_id's UNIQUE is not added here: `ADD COLUMN ... UNIQUE` builds the unique index under this
-- ACCESS EXCLUSIVE lock, reading the whole table. 0008.1 builds it CONCURRENTLY, 0008.2 attaches it.
--
-- Django's AddField drops the defaults right after adding the columns (it keeps defaults in Python).
-- They stay here: servers still running the previous release during the deploy insert sales without
-- these columns and would otherwise fail the NOT NULLs.

-- rds-migrate-lint-ignore prefer-text-over-varchar: the model's CharField(max_length=128), as the guide's reviewed migration has it
ALTER TABLE "App_sale"
  ADD COLUMN external_id uuid NULL,
  ADD COLUMN source_device varchar(128) NOT NULL DEFAULT 'web',
  ADD COLUMN client_timestamp timestamptz NULL,
  ADD COLUMN synced_at timestamptz NULL,
  ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();
