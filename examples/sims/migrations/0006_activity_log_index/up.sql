-- audit.0002 (guide, Audit Module): a user's activity by action, newest first. The guide's RunSQL
-- omits CONCURRENTLY; the audit trail is written on every login, so it is built CONCURRENTLY here.
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_activity_log_user_action
  ON audit_activitylog (user_id, action, created_at DESC);
