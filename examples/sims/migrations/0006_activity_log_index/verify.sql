SELECT i.indisvalid AND pg_get_indexdef(i.indexrelid)
  = 'CREATE INDEX idx_activity_log_user_action ON public.audit_activitylog USING btree (user_id, action, created_at DESC)'
  AS activity_log_user_action_index
FROM pg_index i
WHERE i.indexrelid = 'idx_activity_log_user_action'::regclass;
