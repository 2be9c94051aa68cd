-- essay_submission.0009_add_processed_content, its AddField: `ArrayField(base_field=TextField(),
-- null=True)`, "Tokenized essay content for AI processing". Nullable without a default: only the
-- catalog changes, existing essays read NULL (no rewrite, the lock is held for an instant).
ALTER TABLE essay_submission_essay ADD COLUMN processed_content text[] NULL;
