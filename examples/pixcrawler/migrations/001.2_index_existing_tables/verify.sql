-- Guide, Verification Script "Check indexes" (its pg_indexes query is right; here each index is also
-- checked to be valid, on its table and columns: a failed concurrent build leaves an INVALID index).
SELECT count(*) = 7 AS indexes_valid_on_their_columns
FROM (VALUES
  ('ix_profiles_email', 'CREATE INDEX ix_profiles_email ON public.profiles USING btree (email)'),
  ('ix_project_user_id', 'CREATE INDEX ix_project_user_id ON public.projects USING btree (user_id)'),
  ('ix_crawl_job_status', 'CREATE INDEX ix_crawl_job_status ON public.crawl_jobs USING btree (status)'),
  ('ix_crawl_job_project_status', 'CREATE INDEX ix_crawl_job_project_status ON public.crawl_jobs USING btree (project_id, status)'),
  ('ix_image_crawl_job_id', 'CREATE INDEX ix_image_crawl_job_id ON public.images USING btree (crawl_job_id)'),
  ('ix_activity_log_user_id', 'CREATE INDEX ix_activity_log_user_id ON public.activity_logs USING btree (user_id)'),
  ('ix_activity_log_timestamp', 'CREATE INDEX ix_activity_log_timestamp ON public.activity_logs USING btree ("timestamp")')
) AS expected (name, definition)
JOIN pg_class c ON c.relname = expected.name AND c.relnamespace = 'public'::regnamespace
JOIN pg_index i ON i.indexrelid = c.oid
WHERE i.indisvalid AND pg_get_indexdef(i.indexrelid) = expected.definition;
