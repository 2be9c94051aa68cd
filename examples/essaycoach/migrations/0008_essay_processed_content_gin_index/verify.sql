-- The index is valid (a failed concurrent build leaves it INVALID), GIN, on processed_content alone.
SELECT i.indisvalid
       AND pg_get_indexdef(i.indexrelid) = 'CREATE INDEX idx_essay_processed_content ON public.essay_submission_essay USING gin (processed_content)'
  AS processed_content_gin_index_valid
FROM pg_index i
WHERE i.indexrelid = 'public.idx_essay_processed_content'::regclass;
