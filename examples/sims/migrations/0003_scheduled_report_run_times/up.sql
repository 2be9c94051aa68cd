-- reports.0002 (guide, Reporting Module): last_run_at and next_run_at (DateTimeField, null=True) on
-- reports_scheduledreport. Django stores DateTimeField as timestamp with time zone (USE_TZ = True).
-- Nullable columns without a default: a catalog-only change under a brief lock.
ALTER TABLE reports_scheduledreport
  ADD COLUMN last_run_at timestamptz NULL,
  ADD COLUMN next_run_at timestamptz NULL;
