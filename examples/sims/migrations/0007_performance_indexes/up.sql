-- Performance Module (guide, "Indexes to add (consolidated list from all modules)"): the search and
-- performance indexes of the list. Its four analytics indexes are the same statements as 0001's and
-- were created there (IF NOT EXISTS would skip them here); they stay owned by 0001 so that rolling
-- back 0007 alone does not drop indexes 0001 created. Rolling back both drops all eight, the guide's
-- Performance Module rollback list.

-- Search indexes: full-text search of logbook titles and case diagnoses. The expression must match
-- the queries' exactly (to_tsvector('english', ...)) for the planner to use the index.
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_logbook_title_text
  ON logbook_logbookentry USING gin (to_tsvector('english', title));

CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_cases_diagnosis_text
  ON cases_clinicalcase USING gin (to_tsvector('english', diagnosis));

-- Performance indexes: partial, so they hold only the rows the queries ask for: supervised users, and
-- a user's unread notifications newest first (the notification bell).
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_users_supervisor
  ON users_user (supervisor_id) WHERE supervisor_id IS NOT NULL;

CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_notifications_unread
  ON notifications_notification (recipient_id, is_read, created_at DESC) WHERE is_read = FALSE;
