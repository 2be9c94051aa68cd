-- The trigram index exists, is valid, and uses the trigram operator class.
SELECT i.indisvalid AND pg_get_indexdef(i.indexrelid)
  = 'CREATE INDEX idx_search_history_term_trgm ON public.search_searchhistory USING gin (search_term gin_trgm_ops)'
  AS search_term_trigram_index
FROM pg_index i
WHERE i.indexrelid = 'idx_search_history_term_trgm'::regclass;
