-- Alembic 001_initial_schema, "New Indexes" on the tables that already hold data. Alembic's
-- op.create_index blocks writes to each table for its whole build; the guide's troubleshooting
-- ("Index Creation Timeout") says to build them CONCURRENTLY, which is done here for all of them.
-- PostgreSQL refuses CONCURRENTLY in a transaction block, so this migration runs statement by
-- statement; IF NOT EXISTS makes each re-runnable, and an INVALID leftover of a failed build is
-- dropped by the engine before the statement runs again. A build longer than the Data API's 45 s call
-- goes on on the server and the engine waits for it (no `SET statement_timeout = '30min'` needed).
--
-- Built before the foreign keys (001.3): the orphan clean-up there and every later ON DELETE CASCADE
-- find the rows by these columns.

CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_profiles_email ON profiles (email);

CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_project_user_id ON projects (user_id);

-- "crawl_jobs: Added index on project_id" is served by the composite below, which leads with
-- project_id; the guide's index list has no separate one, and a second index on project_id alone
-- would only slow writes.
CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_crawl_job_status ON crawl_jobs (status);

CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_crawl_job_project_status ON crawl_jobs (project_id, status);

CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_image_crawl_job_id ON images (crawl_job_id);

CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_activity_log_user_id ON activity_logs (user_id);

CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_activity_log_timestamp ON activity_logs (timestamp);
