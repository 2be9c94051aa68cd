-- analytics.0006's result: every old analytics row is in the new table, as an essay_submission metric
-- with its user, value and time ...
SELECT count(*) = (SELECT count(*) FROM analytics_oldanalytics) AS every_old_analytics_row_moved
FROM analytics_oldanalytics o
WHERE EXISTS (
  SELECT 1 FROM analytics_analytics a
   WHERE a.metadata ->> 'migration_source' = 'old_analytics' AND a.metadata ->> 'old_id' = o.id::text
     AND a.user_id = o.user_id AND a.metric_type = 'essay_submission'
     AND a.value = o.submission_count AND a.created_at = o.created_at);

-- ... once: as many rows from this source as old rows, each old id once.
SELECT count(*) = (SELECT count(*) FROM analytics_oldanalytics) AND count(DISTINCT metadata ->> 'old_id') = count(*)
  AS every_old_analytics_row_moved_once
FROM analytics_analytics
WHERE metadata ->> 'migration_source' = 'old_analytics';
