-- Second step of 001.3's foreign keys: check the rows that were there before them (cleaned up in
-- 001.3). VALIDATE CONSTRAINT takes a SHARE UPDATE EXCLUSIVE lock on the referencing table and a ROW
-- SHARE lock on the referenced one: projects, jobs, images and logs stay readable and writable while
-- it scans (docs: ALTER TABLE, VALIDATE CONSTRAINT). In its own migration, so its own transaction:
-- in 001.3's, the ACCESS-blocking locks taken there would be held for the whole scan.
ALTER TABLE projects VALIDATE CONSTRAINT projects_user_id_fkey;

ALTER TABLE crawl_jobs VALIDATE CONSTRAINT crawl_jobs_project_id_fkey;

ALTER TABLE images VALIDATE CONSTRAINT images_crawl_job_id_fkey;

ALTER TABLE activity_logs VALIDATE CONSTRAINT activity_logs_user_id_fkey;
