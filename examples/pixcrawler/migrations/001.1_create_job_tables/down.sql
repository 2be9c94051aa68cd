-- Guide, "Rollback Procedure" (alembic downgrade): the two new tables go, with their indexes and
-- foreign keys. Jobs created since the deployment are lost; the snapshot taken before it has none.
DROP TABLE IF EXISTS export_jobs;
DROP TABLE IF EXISTS validation_jobs;
