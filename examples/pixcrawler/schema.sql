-- PixCrawler (image dataset crawler: FastAPI, SQLAlchemy, Supabase auth) as production has it before
-- Alembic revision 001_initial_schema: the five tables the guide lists under "Modified Tables", as
-- the application created them (SQLAlchemy create_all on Supabase): primary keys only, no foreign
-- keys and no other indexes. Without foreign keys, deleting a profile or a project left rows pointing
-- at nothing: the orphaned rows the guide's troubleshooting warns about.
--
-- profiles.id is the Supabase auth user's UUID; the other keys are SERIAL integers.

CREATE TABLE profiles (
  id         uuid PRIMARY KEY,
  email      text NOT NULL,
  full_name  text NULL,
  avatar_url text NULL,
  role       text NOT NULL DEFAULT 'user',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE projects (
  id          serial PRIMARY KEY,
  name        varchar(100) NOT NULL,
  description text NULL,
  user_id     uuid NOT NULL,
  status      varchar(20) NOT NULL DEFAULT 'active',   -- active, archived
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE crawl_jobs (
  id                serial PRIMARY KEY,
  project_id        integer NOT NULL,
  name              varchar(100) NOT NULL,
  keywords          jsonb NOT NULL DEFAULT '[]',
  max_images        integer NOT NULL DEFAULT 100,
  status            varchar(20) NOT NULL DEFAULT 'pending',  -- pending, running, completed, failed, cancelled
  progress          integer NOT NULL DEFAULT 0,
  total_images      integer NOT NULL DEFAULT 0,
  downloaded_images integer NOT NULL DEFAULT 0,
  created_at        timestamptz NOT NULL DEFAULT now(),
  started_at        timestamptz NULL,
  completed_at      timestamptz NULL
);

CREATE TABLE images (
  id            serial PRIMARY KEY,
  crawl_job_id  integer NOT NULL,
  original_url  text NOT NULL,
  filename      varchar(255) NOT NULL,
  storage_url   text NULL,
  width         integer NULL,
  height        integer NULL,
  file_size     integer NULL,
  format        varchar(10) NULL,
  hash          varchar(64) NULL,
  is_valid      boolean NOT NULL DEFAULT true,
  is_duplicate  boolean NOT NULL DEFAULT false,
  labels        jsonb NULL,
  created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE activity_logs (
  id            serial PRIMARY KEY,
  user_id       uuid NULL,                  -- NULL for system events
  action        varchar(100) NOT NULL,
  resource_type varchar(50) NULL,
  resource_id   varchar(100) NULL,
  metadata      jsonb NULL,
  timestamp     timestamptz NOT NULL DEFAULT now()
);
