-- The guide's rollback (`migrate ai_feedback 0003`): RemoveField. The constraint goes with the column.
-- The scores written since the deploy are lost; the rollback's own snapshot keeps them.
ALTER TABLE ai_feedback_feedback DROP COLUMN IF EXISTS confidence_score;
