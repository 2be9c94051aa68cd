-- Both run-time columns exist, nullable, with time zone.
SELECT count(*) = 2 AS run_time_columns_nullable_timestamptz
FROM pg_attribute
WHERE attrelid = 'reports_scheduledreport'::regclass
  AND attname IN ('last_run_at', 'next_run_at')
  AND NOT attisdropped
  AND NOT attnotnull
  AND format_type(atttypid, atttypmod) = 'timestamp with time zone';
