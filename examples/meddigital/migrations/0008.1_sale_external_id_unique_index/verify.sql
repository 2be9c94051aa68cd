-- The index is valid, unique, and on external_id alone.
SELECT i.indisvalid AND i.indisunique
       AND pg_get_indexdef(i.indexrelid) = 'CREATE UNIQUE INDEX "App_sale_external_id_key" ON public."App_sale" USING btree (external_id)'
  AS external_id_unique_index_valid
FROM pg_index i
WHERE i.indexrelid = 'public."App_sale_external_id_key"'::regclass;
