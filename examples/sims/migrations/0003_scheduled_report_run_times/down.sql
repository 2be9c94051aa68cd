-- The Reporting Module's rollback, as the guide lists it.
ALTER TABLE reports_scheduledreport DROP COLUMN IF EXISTS last_run_at;
ALTER TABLE reports_scheduledreport DROP COLUMN IF EXISTS next_run_at;
