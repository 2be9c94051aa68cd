-- search.0002, first half (guide, Search Module): TrigramExtension() and UnaccentExtension(), Django's
-- CREATE EXTENSION IF NOT EXISTS. Both are trusted extensions (PostgreSQL 13+): the database owner may
-- create them; on Aurora the master user (rds_superuser) can. Runs in a transaction. The trigram index
-- is built in 0005, CONCURRENTLY, which cannot share a script with transactional statements.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE EXTENSION IF NOT EXISTS unaccent;
