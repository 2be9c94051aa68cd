-- Alembic 001_initial_schema, "New Tables": validation_jobs (image validation tasks) and export_jobs
-- (dataset export tasks), with their foreign keys and the guide's indexes on them. New, empty tables:
-- their foreign keys check nothing and their indexes build instantly, so plain CREATE INDEX in this
-- transaction is right (the linter knows the tables are new). Creating a foreign key to crawl_jobs and
-- profiles takes a SHARE ROW EXCLUSIVE lock on them for the rest of this short transaction.
--
-- ON DELETE follows PixCrawler's schema documentation (the guide's DATABASE_SCHEMA.md): a job goes
-- with its crawl job and its user.
--
-- Troubleshooting "Table Already Exists" (migration already applied): rds-migrate's schema history
-- records this version, so it never runs twice; no IF NOT EXISTS, so a table of that name created by
-- anything else fails the migration with SQLSTATE 42P07 instead of being silently taken for ours.

-- rds-migrate-lint-ignore prefer-bigint-primary-key, prefer-text-over-varchar: the SQLAlchemy model (backend/models/jobs.py) declares Integer keys and String(n) columns, like every PixCrawler table
CREATE TABLE validation_jobs (
  id               serial PRIMARY KEY,
  crawl_job_id     integer NOT NULL REFERENCES crawl_jobs (id) ON DELETE CASCADE,
  name             varchar(100) NOT NULL,
  status           varchar(20) NOT NULL DEFAULT 'pending',
  progress         integer NOT NULL DEFAULT 0,
  total_images     integer NOT NULL DEFAULT 0,
  validated_images integer NOT NULL DEFAULT 0,
  invalid_images   integer NOT NULL DEFAULT 0,
  validation_rules jsonb NOT NULL DEFAULT '{}',
  started_at       timestamptz NULL,
  completed_at     timestamptz NULL,
  error_message    text NULL,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX ix_validation_job_status ON validation_jobs (status);

CREATE INDEX ix_validation_job_crawl_job_id ON validation_jobs (crawl_job_id);

-- rds-migrate-lint-ignore prefer-bigint-primary-key, prefer-text-over-varchar: the SQLAlchemy model (backend/models/jobs.py) declares Integer keys and String(n) columns, like every PixCrawler table
CREATE TABLE export_jobs (
  id              serial PRIMARY KEY,
  crawl_job_id    integer NOT NULL REFERENCES crawl_jobs (id) ON DELETE CASCADE,
  user_id         uuid NOT NULL REFERENCES profiles (id) ON DELETE CASCADE,
  name            varchar(100) NOT NULL,
  status          varchar(20) NOT NULL DEFAULT 'pending',
  progress        integer NOT NULL DEFAULT 0,
  format          varchar(20) NOT NULL DEFAULT 'zip',
  total_images    integer NOT NULL DEFAULT 0,
  exported_images integer NOT NULL DEFAULT 0,
  file_size       bigint NULL,
  download_url    text NULL,
  export_options  jsonb NOT NULL DEFAULT '{}',
  started_at      timestamptz NULL,
  completed_at    timestamptz NULL,
  expires_at      timestamptz NULL,
  error_message   text NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX ix_export_job_status ON export_jobs (status);

CREATE INDEX ix_export_job_user_id ON export_jobs (user_id);

CREATE INDEX ix_export_job_crawl_job_id ON export_jobs (crawl_job_id);
