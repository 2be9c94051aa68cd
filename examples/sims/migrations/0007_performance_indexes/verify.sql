-- The four indexes exist and are valid.
SELECT count(*) = 4 AS performance_indexes_valid
FROM pg_index i
JOIN pg_class c ON c.oid = i.indexrelid
WHERE i.indisvalid AND i.indisready
  AND c.relname IN ('idx_logbook_title_text', 'idx_cases_diagnosis_text', 'idx_users_supervisor', 'idx_notifications_unread');

-- Full-text indexes on the english tsvector of their column.
SELECT pg_get_indexdef('idx_logbook_title_text'::regclass)
  = 'CREATE INDEX idx_logbook_title_text ON public.logbook_logbookentry USING gin (to_tsvector(''english''::regconfig, (title)::text))'
  AS logbook_title_fulltext;

SELECT pg_get_indexdef('idx_cases_diagnosis_text'::regclass)
  = 'CREATE INDEX idx_cases_diagnosis_text ON public.cases_clinicalcase USING gin (to_tsvector(''english''::regconfig, diagnosis))'
  AS cases_diagnosis_fulltext;

-- The partial indexes keep their predicates (without one they would index every row).
SELECT pg_get_expr(indpred, indrelid) = '(supervisor_id IS NOT NULL)' AS supervisor_index_is_partial
FROM pg_index WHERE indexrelid = 'idx_users_supervisor'::regclass;

SELECT pg_get_expr(indpred, indrelid) = '(is_read = false)' AS unread_index_is_partial
FROM pg_index WHERE indexrelid = 'idx_notifications_unread'::regclass;
