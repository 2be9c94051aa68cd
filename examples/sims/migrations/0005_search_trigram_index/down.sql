-- The Search Module's rollback (the RunSQL's reverse_sql), without blocking the table.
DROP INDEX CONCURRENTLY IF EXISTS idx_search_history_term_trgm;
