-- Guide, "Verification Checklist": all tables created...
SELECT count(to_regclass('public.' || name)) = 7 AS all_tables_created
FROM (VALUES ('profiles'), ('projects'), ('crawl_jobs'), ('images'), ('activity_logs'), ('validation_jobs'), ('export_jobs')) AS t (name);

-- ...and all foreign keys in place and validated: PostgreSQL has checked every existing row.
SELECT count(*) = 7 AS all_foreign_keys_validated
FROM pg_constraint
WHERE contype = 'f'
  AND convalidated
  AND conrelid IN ('public.projects'::regclass, 'public.crawl_jobs'::regclass, 'public.images'::regclass, 'public.activity_logs'::regclass,
                   'public.validation_jobs'::regclass, 'public.export_jobs'::regclass);
