-- Guide, "Rollback Procedure" (alembic downgrade): the foreign keys go. Unlike the guide's downgrade,
-- which leaves the deleted orphans deleted ("Restore from Backup" otherwise), this puts the rows the
-- clean-up removed or changed back from orphaned_rows, so the tables are as they were before 001.3.
ALTER TABLE activity_logs DROP CONSTRAINT IF EXISTS activity_logs_user_id_fkey;
ALTER TABLE images DROP CONSTRAINT IF EXISTS images_crawl_job_id_fkey;
ALTER TABLE crawl_jobs DROP CONSTRAINT IF EXISTS crawl_jobs_project_id_fkey;
ALTER TABLE projects DROP CONSTRAINT IF EXISTS projects_user_id_fkey;

-- Parents first. jsonb_populate_record turns each saved row back into a row of its table.
INSERT INTO projects
SELECT (jsonb_populate_record(NULL::projects, o.row_data)).* FROM orphaned_rows o WHERE o.table_name = 'projects' ORDER BY o.row_id;

INSERT INTO crawl_jobs
SELECT (jsonb_populate_record(NULL::crawl_jobs, o.row_data)).* FROM orphaned_rows o WHERE o.table_name = 'crawl_jobs' ORDER BY o.row_id;

INSERT INTO images
SELECT (jsonb_populate_record(NULL::images, o.row_data)).* FROM orphaned_rows o WHERE o.table_name = 'images' ORDER BY o.row_id;

UPDATE activity_logs a SET user_id = (o.row_data ->> 'user_id')::uuid
FROM orphaned_rows o
WHERE o.table_name = 'activity_logs' AND o.row_id = a.id;

DROP TABLE orphaned_rows;
