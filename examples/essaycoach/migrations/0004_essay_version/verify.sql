-- The model's fields, with their types and nullability.
SELECT count(*) = 5 AS essay_version_fields_as_the_model_defines
FROM (VALUES
  ('id', 'bigint'),
  ('content', 'text'),
  ('version_number', 'integer'),
  ('created_at', 'timestamp with time zone'),
  ('essay_id', 'bigint')
) AS expected (name, type)
JOIN pg_attribute a ON a.attrelid = 'public.essay_submission_essayversion'::regclass AND a.attname = expected.name
WHERE format_type(a.atttypid, a.atttypmod) = expected.type AND a.attnotnull AND NOT a.attisdropped;

-- unique_together (essay, version_number), the foreign key to the essay (ON DELETE CASCADE is Django's,
-- in Python), and version_number >= 0 (PositiveIntegerField).
SELECT count(*) = 3 AS essay_version_constraints
FROM pg_constraint
WHERE conrelid = 'public.essay_submission_essayversion'::regclass
  AND (   (contype = 'u' AND pg_get_constraintdef(oid) = 'UNIQUE (essay_id, version_number)')
       OR (contype = 'f' AND confrelid = 'public.essay_submission_essay'::regclass AND condeferrable AND condeferred)
       OR (contype = 'c' AND pg_get_constraintdef(oid) = 'CHECK ((version_number >= 0))'));
