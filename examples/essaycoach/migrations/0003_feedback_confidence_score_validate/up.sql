-- Second half of ai_feedback.0004: the range constraint checked over the existing feedback. VALIDATE
-- CONSTRAINT takes a SHARE UPDATE EXCLUSIVE lock: feedback stays readable and writable while it scans
-- (PostgreSQL docs: ALTER TABLE, "VALIDATE CONSTRAINT"). Every existing row has the default 0.8.
ALTER TABLE ai_feedback_feedback VALIDATE CONSTRAINT ai_feedback_feedback_confidence_score_range;
