-- The OCR fields of 0021, with the model's types and nullability: what baselining at 0021 claims the
-- database has (the baseline event runs this first and refuses when it fails), and what every
-- scheduled verification checks again.
SELECT count(*) = 5 AS ocr_fields_present
FROM (VALUES
  ('source_document_id', 'integer', false),
  ('ocr_confidence', 'double precision', false),
  ('ocr_processing_time', 'double precision', false),
  ('manual_verification_required', 'boolean', true),
  ('ocr_extracted_at', 'timestamp with time zone', false)
) AS expected (name, type, not_null)
JOIN pg_attribute a
  ON a.attrelid = 'faktury_faktura'::regclass
 AND a.attname = expected.name
 AND NOT a.attisdropped
 AND format_type(a.atttypid, a.atttypmod) = expected.type
 AND a.attnotnull = expected.not_null;
