-- The RunSQL's reverse_sql. (The guide's "Rollback: Not recommended after deployment, as historical
-- data will be lost" is about the django-simple-history tables, which this deployment does not touch;
-- dropping this index loses no data.)
DROP INDEX CONCURRENTLY IF EXISTS idx_activity_log_user_action;
