-- Guide, "Rollback Procedure" (alembic downgrade drops the revision's indexes), without blocking the
-- tables: a plain DROP INDEX takes an ACCESS EXCLUSIVE lock (docs: DROP INDEX, CONCURRENTLY).
DROP INDEX CONCURRENTLY IF EXISTS ix_activity_log_timestamp;
DROP INDEX CONCURRENTLY IF EXISTS ix_activity_log_user_id;
DROP INDEX CONCURRENTLY IF EXISTS ix_image_crawl_job_id;
DROP INDEX CONCURRENTLY IF EXISTS ix_crawl_job_project_status;
DROP INDEX CONCURRENTLY IF EXISTS ix_crawl_job_status;
DROP INDEX CONCURRENTLY IF EXISTS ix_project_user_id;
DROP INDEX CONCURRENTLY IF EXISTS ix_profiles_email;
