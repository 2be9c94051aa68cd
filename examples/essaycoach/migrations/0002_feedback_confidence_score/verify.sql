-- The field as the model defines it: double precision (FloatField), NOT NULL, default 0.8.
SELECT format_type(a.atttypid, a.atttypmod) = 'double precision' AND a.attnotnull AND pg_get_expr(d.adbin, d.adrelid) = '0.8'
  AS confidence_score_as_the_model_defines
FROM pg_attribute a
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE a.attrelid = 'public.ai_feedback_feedback'::regclass AND a.attname = 'confidence_score' AND NOT a.attisdropped;

-- The validators' range, held by the database.
SELECT pg_get_constraintdef(oid) = 'CHECK (((confidence_score >= (0.0)::double precision) AND (confidence_score <= (1.0)::double precision)))'
  AS confidence_score_range_checked
FROM pg_constraint
WHERE conrelid = 'public.ai_feedback_feedback'::regclass AND conname = 'ai_feedback_feedback_confidence_score_range';
