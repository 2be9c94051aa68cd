-- The Performance Module's rollback for the indexes 0007 created (0001's down drops the other four of
-- the guide's list), without blocking the tables.
DROP INDEX CONCURRENTLY IF EXISTS idx_logbook_title_text;
DROP INDEX CONCURRENTLY IF EXISTS idx_cases_diagnosis_text;
DROP INDEX CONCURRENTLY IF EXISTS idx_users_supervisor;
DROP INDEX CONCURRENTLY IF EXISTS idx_notifications_unread;
