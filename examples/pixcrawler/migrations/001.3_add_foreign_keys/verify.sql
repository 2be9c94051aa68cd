-- Guide, Verification Script "Check foreign keys", corrected. The guide's query reads
-- information_schema.key_column_usage.referenced_table_name, a MySQL column that PostgreSQL's
-- information_schema does not have (the query fails with 42703). PostgreSQL's catalog has each
-- foreign key in pg_constraint (contype 'f'): conrelid/conkey the referencing table and columns,
-- confrelid the referenced table. All seven of the revision's foreign keys are in place:
SELECT bool_and(EXISTS (
         SELECT 1 FROM pg_constraint con
          WHERE con.contype = 'f'
            AND con.conrelid = to_regclass(fk.table_name)
            AND con.confrelid = to_regclass(fk.referenced_table)
            AND con.conkey = ARRAY[(SELECT attnum FROM pg_attribute WHERE attrelid = to_regclass(fk.table_name) AND attname = fk.column_name)]
       )) AS all_foreign_keys_in_place
FROM (VALUES
  ('public.projects', 'user_id', 'public.profiles'),
  ('public.crawl_jobs', 'project_id', 'public.projects'),
  ('public.images', 'crawl_job_id', 'public.crawl_jobs'),
  ('public.activity_logs', 'user_id', 'public.profiles'),
  ('public.validation_jobs', 'crawl_job_id', 'public.crawl_jobs'),
  ('public.export_jobs', 'crawl_job_id', 'public.crawl_jobs'),
  ('public.export_jobs', 'user_id', 'public.profiles')
) AS fk (table_name, column_name, referenced_table);

-- The guide's orphan checks (NOT EXISTS): none is left, so 001.4 can validate the constraints.
SELECT NOT EXISTS (SELECT 1 FROM projects p WHERE NOT EXISTS (SELECT 1 FROM profiles pr WHERE pr.id = p.user_id))
  AS no_orphaned_projects;

SELECT NOT EXISTS (SELECT 1 FROM crawl_jobs c WHERE NOT EXISTS (SELECT 1 FROM projects p WHERE p.id = c.project_id))
  AS no_orphaned_crawl_jobs;

SELECT NOT EXISTS (SELECT 1 FROM images i WHERE NOT EXISTS (SELECT 1 FROM crawl_jobs c WHERE c.id = i.crawl_job_id))
  AS no_orphaned_images;

SELECT NOT EXISTS (SELECT 1 FROM activity_logs a WHERE a.user_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM profiles pr WHERE pr.id = a.user_id))
  AS no_orphaned_activity_logs;

-- The report is there, and none of the rows it lists as deleted is still in its table.
SELECT to_regclass('public.orphaned_rows') IS NOT NULL AS orphan_report_exists;

SELECT NOT EXISTS (
  SELECT 1 FROM orphaned_rows o
  WHERE (o.table_name = 'projects' AND EXISTS (SELECT 1 FROM projects p WHERE p.id = o.row_id))
     OR (o.table_name = 'crawl_jobs' AND EXISTS (SELECT 1 FROM crawl_jobs c WHERE c.id = o.row_id))
     OR (o.table_name = 'images' AND EXISTS (SELECT 1 FROM images i WHERE i.id = o.row_id))
) AS reported_orphans_removed;
