-- bulk.0002 (guide, Bulk Operations Module): error_details (JSONField, null=True) and retry_count
-- (IntegerField, default=0) on bulk_bulkoperation.
--
-- One ALTER TABLE, one brief ACCESS EXCLUSIVE lock: a nullable column without a default, and since
-- PostgreSQL 11 a NOT NULL column with a constant default, are catalog-only changes; no row is
-- rewritten (docs: ALTER TABLE, Notes). The runner's lock_timeout (5 s, retried) keeps the ALTER from
-- queueing every other query on the table behind it while it waits for its lock.
--
-- Django's AddField would drop the default right after adding the column (Django keeps defaults in
-- Python). It is kept here: application servers still running the previous release insert bulk
-- operations without retry_count during the deployment, and would fail the NOT NULL without it.
ALTER TABLE bulk_bulkoperation
  ADD COLUMN error_details jsonb NULL,
  ADD COLUMN retry_count integer NOT NULL DEFAULT 0;
