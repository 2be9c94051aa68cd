-- Alembic 001_initial_schema, "Modified Tables": the foreign keys on the tables that already hold
-- data, with the guide's troubleshooting "Foreign Key Constraint Violation" done as part of the
-- migration: report the orphaned records, then clean them up. Runs in one transaction: the
-- constraints, the report and the clean-up land together or not at all.
--
-- 1. The foreign keys, NOT VALID. Adding a foreign key normally scans the whole table under a lock
--    that blocks writes, and fails on the first orphan. NOT VALID skips the scan: from this
--    transaction's commit on, every inserted or updated row is checked; the rows already there are
--    checked by VALIDATE CONSTRAINT in 001.4, under a lock that lets reads and writes go on (docs:
--    ALTER TABLE, ADD table_constraint ... NOT VALID). They come first so the SHARE ROW EXCLUSIVE
--    locks they take stop new orphans from being written between the report and the clean-up.
--    ON DELETE as PixCrawler's schema documentation has it: children go with their parent, activity
--    logs outlive their user.
ALTER TABLE projects ADD CONSTRAINT projects_user_id_fkey
  FOREIGN KEY (user_id) REFERENCES profiles (id) ON DELETE CASCADE NOT VALID;

ALTER TABLE crawl_jobs ADD CONSTRAINT crawl_jobs_project_id_fkey
  FOREIGN KEY (project_id) REFERENCES projects (id) ON DELETE CASCADE NOT VALID;

ALTER TABLE images ADD CONSTRAINT images_crawl_job_id_fkey
  FOREIGN KEY (crawl_job_id) REFERENCES crawl_jobs (id) ON DELETE CASCADE NOT VALID;

ALTER TABLE activity_logs ADD CONSTRAINT activity_logs_user_id_fkey
  FOREIGN KEY (user_id) REFERENCES profiles (id) ON DELETE SET NULL NOT VALID;

-- 2. The report: the guide's "Check for orphaned records", with each row kept whole in
--    orphaned_rows (what it pointed at, what the clean-up did to it, the row as JSON) so that it can
--    be reviewed, and put back by this migration's down script. The guide's queries use
--    `x NOT IN (SELECT id ...)`, which PostgreSQL cannot run as an anti-join (it hashes the subquery,
--    or rescans it per row once it outgrows work_mem) and which selects nothing at all if the
--    subquery yields a NULL; NOT EXISTS has neither problem.
CREATE TABLE orphaned_rows (
  table_name        text NOT NULL,
  row_id            bigint NOT NULL,
  missing_reference text NOT NULL,
  cleanup           text NOT NULL CHECK (cleanup IN ('deleted', 'user_id set to NULL')),
  row_data          jsonb NOT NULL,
  quarantined_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (table_name, row_id)
);

COMMENT ON TABLE orphaned_rows IS
  'Rows without their parent found by migration 001.3 before its foreign keys; removed by its down script';

-- Projects of profiles that no longer exist.
INSERT INTO orphaned_rows (table_name, row_id, missing_reference, cleanup, row_data)
SELECT 'projects', p.id, 'profiles.id = ' || p.user_id, 'deleted', to_jsonb(p)
FROM projects p
WHERE NOT EXISTS (SELECT 1 FROM profiles pr WHERE pr.id = p.user_id);

-- Crawl jobs of projects that no longer exist, or are orphaned themselves (the guide's second DELETE,
-- run after the first, removes those too).
INSERT INTO orphaned_rows (table_name, row_id, missing_reference, cleanup, row_data)
SELECT 'crawl_jobs', c.id,
       'projects.id = ' || c.project_id || CASE WHEN p.id IS NULL THEN '' ELSE ' (an orphaned project)' END,
       'deleted', to_jsonb(c)
FROM crawl_jobs c
LEFT JOIN projects p ON p.id = c.project_id
WHERE p.id IS NULL
   OR EXISTS (SELECT 1 FROM orphaned_rows o WHERE o.table_name = 'projects' AND o.row_id = p.id);

-- Images of crawl jobs that no longer exist, or are being removed above.
INSERT INTO orphaned_rows (table_name, row_id, missing_reference, cleanup, row_data)
SELECT 'images', i.id,
       'crawl_jobs.id = ' || i.crawl_job_id || CASE WHEN c.id IS NULL THEN '' ELSE ' (an orphaned crawl job)' END,
       'deleted', to_jsonb(i)
FROM images i
LEFT JOIN crawl_jobs c ON c.id = i.crawl_job_id
WHERE c.id IS NULL
   OR EXISTS (SELECT 1 FROM orphaned_rows o WHERE o.table_name = 'crawl_jobs' AND o.row_id = c.id);

-- Activity of profiles that no longer exist: kept as history, without the user (what ON DELETE SET
-- NULL would have done had the foreign key existed when the profile was deleted).
INSERT INTO orphaned_rows (table_name, row_id, missing_reference, cleanup, row_data)
SELECT 'activity_logs', a.id, 'profiles.id = ' || a.user_id, 'user_id set to NULL', to_jsonb(a)
FROM activity_logs a
WHERE a.user_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM profiles pr WHERE pr.id = a.user_id);

-- 3. The clean-up, children first (the guide's "Delete orphaned records"). The snapshot taken before
--    this migration and orphaned_rows both keep the rows.
DELETE FROM images i USING orphaned_rows o WHERE o.table_name = 'images' AND o.row_id = i.id;

DELETE FROM crawl_jobs c USING orphaned_rows o WHERE o.table_name = 'crawl_jobs' AND o.row_id = c.id;

DELETE FROM projects p USING orphaned_rows o WHERE o.table_name = 'projects' AND o.row_id = p.id;

UPDATE activity_logs a SET user_id = NULL
FROM orphaned_rows o
WHERE o.table_name = 'activity_logs' AND o.row_id = a.id;
