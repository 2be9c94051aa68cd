-- Guide, post-deployment "Monitor performance": the analytics indexes exist and are valid (a failed
-- concurrent build leaves an INVALID index that no query uses).
SELECT count(*) = 4 AS analytics_indexes_valid
FROM pg_index i
JOIN pg_class c ON c.oid = i.indexrelid
WHERE i.indisvalid AND i.indisready
  AND c.relname IN ('idx_logbook_analytics', 'idx_cases_analytics', 'idx_certificates_analytics', 'idx_rotations_dates');

-- Each on its table, with the guide's columns in the guide's order.
SELECT pg_get_indexdef('idx_logbook_analytics'::regclass)
  = 'CREATE INDEX idx_logbook_analytics ON public.logbook_logbookentry USING btree (created_at DESC, status, pg_id)'
  AS logbook_analytics_columns;

SELECT pg_get_indexdef('idx_cases_analytics'::regclass)
  = 'CREATE INDEX idx_cases_analytics ON public.cases_clinicalcase USING btree (created_at DESC, status, pg_id)'
  AS cases_analytics_columns;

SELECT pg_get_indexdef('idx_certificates_analytics'::regclass)
  = 'CREATE INDEX idx_certificates_analytics ON public.certificates_certificate USING btree (issue_date DESC, pg_id)'
  AS certificates_analytics_columns;

SELECT pg_get_indexdef('idx_rotations_dates'::regclass)
  = 'CREATE INDEX idx_rotations_dates ON public.rotations_rotation USING btree (start_date, end_date, status, pg_id)'
  AS rotations_dates_columns;
