-- essay_submission.0009_add_processed_content, its RunSQL: the GIN index on the tokens, built
-- CONCURRENTLY so essays keep being written while it reads the table (PostgreSQL docs: CREATE INDEX,
-- "Building Indexes Concurrently"). PostgreSQL refuses CONCURRENTLY inside a transaction block, so it
-- is a migration of its own, run outside a transaction (detected from the parse tree). In the guide it
-- shares an atomic Django migration with the AddField, where it fails with "CREATE INDEX CONCURRENTLY
-- cannot run inside a transaction block" unless the migration sets `atomic = False`.
-- IF NOT EXISTS: a run interrupted after the build is safe to run again. A build that fails leaves an
-- INVALID index, which the engine drops before the next attempt.
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_essay_processed_content ON essay_submission_essay USING GIN (processed_content);
