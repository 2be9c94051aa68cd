-- search.0002, second half (guide, Search Module): the GIN trigram index on search_term, for
-- LIKE/ILIKE '%...%' and similarity lookups (docs: pg_trgm, "Index Support"; since PostgreSQL 14 it
-- serves equality too, which covers the guide's "index on search_term for faster lookups").
-- The guide's RunSQL builds it without CONCURRENTLY, blocking searches being recorded for the whole
-- build; built CONCURRENTLY here, like the guide's other indexes.
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_search_history_term_trgm
  ON search_searchhistory USING gin (search_term gin_trgm_ops);
