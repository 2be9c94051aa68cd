-- The field as the model defines it: an array of text, nullable.
SELECT format_type(a.atttypid, a.atttypmod) = 'text[]' AND NOT a.attnotnull AS processed_content_as_the_model_defines
FROM pg_attribute a
WHERE a.attrelid = 'public.essay_submission_essay'::regclass AND a.attname = 'processed_content' AND NOT a.attisdropped;
