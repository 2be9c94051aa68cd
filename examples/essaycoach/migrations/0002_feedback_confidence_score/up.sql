-- ai_feedback.0004_add_confidence_score: `FloatField(default=0.8, validators=[MinValueValidator(0.0),
-- MaxValueValidator(1.0)])`, "AI confidence level in this feedback".
--
-- A column added with a constant default changes only the catalog (PostgreSQL 11 and later keep the
-- value in pg_attribute for the existing rows): no rewrite, the lock is held for an instant. Django
-- would drop the database default right after adding the column (it fills defaults in Python); it
-- stays here, so the previous release, still running during the deploy, can insert feedback without
-- the column.
ALTER TABLE ai_feedback_feedback ADD COLUMN confidence_score double precision NOT NULL DEFAULT 0.8;

-- The validators run only in Django forms and full_clean(): an `objects.create` or a bulk update
-- bypasses them. The range as a CHECK constraint holds for every writer. Added NOT VALID (no scan of
-- the existing rows under this ACCESS EXCLUSIVE lock; new and updated rows are checked from the
-- commit on) and validated in 0003 under a lock that lets reads and writes go on (PostgreSQL docs:
-- ALTER TABLE, "ADD table_constraint ... NOT VALID"). NaN is rejected too: PostgreSQL orders NaN above
-- every number.
ALTER TABLE ai_feedback_feedback
  ADD CONSTRAINT ai_feedback_feedback_confidence_score_range
  CHECK (confidence_score >= 0.0 AND confidence_score <= 1.0) NOT VALID;
