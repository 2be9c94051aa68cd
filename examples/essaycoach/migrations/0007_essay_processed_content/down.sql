-- The guide's rollback: RemoveField. The tokenized content written since the deploy is lost (the
-- application can tokenize again); the rollback's own snapshot keeps it.
ALTER TABLE essay_submission_essay DROP COLUMN IF EXISTS processed_content;
