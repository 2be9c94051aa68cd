-- Guide, Step 4 "Verify Schema": `\d validation_jobs`, `\d export_jobs`. Both tables exist...
SELECT to_regclass('public.validation_jobs') IS NOT NULL AND to_regclass('public.export_jobs') IS NOT NULL AS job_tables_exist;

-- ...with their foreign keys (from the catalog: table, column, referenced table)...
SELECT bool_and(EXISTS (
         SELECT 1 FROM pg_constraint con
          WHERE con.contype = 'f'
            AND con.conrelid = to_regclass(fk.table_name)
            AND con.confrelid = to_regclass(fk.referenced_table)
            AND con.conkey = ARRAY[(SELECT attnum FROM pg_attribute WHERE attrelid = to_regclass(fk.table_name) AND attname = fk.column_name)]
       )) AS job_foreign_keys_in_place
FROM (VALUES
  ('public.validation_jobs', 'crawl_job_id', 'public.crawl_jobs'),
  ('public.export_jobs', 'crawl_job_id', 'public.crawl_jobs'),
  ('public.export_jobs', 'user_id', 'public.profiles')
) AS fk (table_name, column_name, referenced_table);

-- ...and the guide's five indexes on them, valid.
SELECT count(*) = 5 AS job_indexes_valid
FROM pg_index i
JOIN pg_class c ON c.oid = i.indexrelid
WHERE i.indisvalid
  AND c.relname IN ('ix_validation_job_status', 'ix_validation_job_crawl_job_id',
                    'ix_export_job_status', 'ix_export_job_user_id', 'ix_export_job_crawl_job_id');
