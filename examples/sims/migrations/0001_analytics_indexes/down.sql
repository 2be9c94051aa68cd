-- The Analytics module's rollback, index for index as the guide lists it. CONCURRENTLY added: a plain
-- DROP INDEX takes an ACCESS EXCLUSIVE lock on the table, and while it waits for running queries every
-- later read and write of the table queues behind it (docs: DROP INDEX, CONCURRENTLY).
DROP INDEX CONCURRENTLY IF EXISTS idx_logbook_analytics;
DROP INDEX CONCURRENTLY IF EXISTS idx_cases_analytics;
DROP INDEX CONCURRENTLY IF EXISTS idx_certificates_analytics;
DROP INDEX CONCURRENTLY IF EXISTS idx_rotations_dates;
