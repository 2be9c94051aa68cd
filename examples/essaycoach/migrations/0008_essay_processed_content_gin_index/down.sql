-- The RunSQL's reverse_sql (`DROP INDEX IF EXISTS idx_essay_processed_content`), CONCURRENTLY added: a
-- plain DROP INDEX takes an ACCESS EXCLUSIVE lock on the essay table, and while it waits for running
-- queries every later read and write of essays queues behind it (PostgreSQL docs: DROP INDEX).
DROP INDEX CONCURRENTLY IF EXISTS idx_essay_processed_content;
