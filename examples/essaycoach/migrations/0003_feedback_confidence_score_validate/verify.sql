-- PostgreSQL has checked every existing feedback row against the range.
SELECT convalidated AS confidence_score_range_validated
FROM pg_constraint
WHERE conrelid = 'public.ai_feedback_feedback'::regclass AND conname = 'ai_feedback_feedback_confidence_score_range';
