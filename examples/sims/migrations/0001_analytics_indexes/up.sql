-- Analytics module (guide: "Indexes to add"), as the guide's consolidated "Performance Module" list
-- writes them: CREATE INDEX CONCURRENTLY IF NOT EXISTS. (The module's bullet list names the logbook
-- and case columns without DESC; the consolidated SQL, which is what was run, has created_at DESC.)
--
-- CONCURRENTLY, as the guide says for production: logbook entries, cases, certificates and rotations
-- stay writable while the indexes build. PostgreSQL refuses CREATE INDEX CONCURRENTLY inside a
-- transaction block (docs: CREATE INDEX, "Building Indexes Concurrently"), so rds-migrate runs this
-- migration statement by statement, recording progress; IF NOT EXISTS makes each statement safe to run
-- again after an interruption, and the engine drops an INVALID leftover of a failed build first.

-- Analytics dashboards: entries per status over a period, per postgraduate.
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_logbook_analytics
  ON logbook_logbookentry (created_at DESC, status, pg_id);

-- Trend analysis of clinical cases.
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_cases_analytics
  ON cases_clinicalcase (created_at DESC, status, pg_id);

-- Compliance tracking: certificates issued in a period.
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_certificates_analytics
  ON certificates_certificate (issue_date DESC, pg_id);

-- Date range queries over rotations.
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_rotations_dates
  ON rotations_rotation (start_date, end_date, status, pg_id);
